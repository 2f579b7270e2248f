import { describe, expect, it } from 'vitest';
import { MemberPlaces } from '../src/lib/state/member-places';
import { memoryStorage } from './fakes';

const PLACE = { peerId: 'dU3Lj-4RBRBe', memberKey: '1LWE4xco5YGtN0CM-6tUOQ' };
const TAB = 'tab-1';

describe('MemberPlaces', () => {
  it('keeps a tab’s place per swarm over a reload, and forgets it when the tab leaves', () => {
    const storage = memoryStorage();
    new MemberPlaces(storage).keep('swarm-a', PLACE, TAB);
    const reloaded = new MemberPlaces(storage);
    expect(reloaded.get('swarm-a', TAB)).toEqual(PLACE);
    expect(reloaded.get('swarm-b', TAB)).toBeUndefined();
    reloaded.forget('swarm-a');
    expect(new MemberPlaces(storage).get('swarm-a', TAB)).toBeUndefined();
  });

  it('gives a duplicated tab, which carries its original’s session storage under a tab id of its own, no place', () => {
    const storage = memoryStorage();
    new MemberPlaces(storage).keep('swarm-a', PLACE, TAB);
    // Presented, the original's place would be given to the duplicate while the original is away.
    expect(new MemberPlaces(storage).get('swarm-a', 'tab-2')).toBeUndefined();
  });

  it('ignores what is not a place, and a storage that throws', () => {
    const storage = memoryStorage();
    storage.setItem('swarmlab.place.x', `{"tabId":"${TAB}","place":{"peerId":"<script>","memberKey":"short"}}`);
    storage.setItem('swarmlab.place.y', 'not json');
    storage.setItem('swarmlab.place.z', 'null');
    storage.setItem('swarmlab.place.w', JSON.stringify(PLACE)); // no tab id
    const places = new MemberPlaces(storage);
    expect(['x', 'y', 'z', 'w'].map((swarmId) => places.get(swarmId, TAB))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    const throwing = {
      getItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    };
    const blocked = new MemberPlaces(throwing);
    blocked.keep('x', PLACE, TAB);
    blocked.forget('x');
    expect(blocked.get('x', TAB)).toBeUndefined();
  });
});
