import { describe, expect, it } from 'vitest';
import { MemberPlaces } from '../src/lib/state/member-places';
import { memoryStorage } from './fakes';

const PLACE = { peerId: 'dU3Lj-4RBRBe', memberKey: '1LWE4xco5YGtN0CM-6tUOQ' };

describe('MemberPlaces', () => {
  it('keeps a tab’s place per swarm over a reload, and forgets it when the tab leaves', () => {
    const storage = memoryStorage();
    new MemberPlaces(storage).keep('swarm-a', PLACE);
    const reloaded = new MemberPlaces(storage);
    expect(reloaded.get('swarm-a')).toEqual(PLACE);
    expect(reloaded.get('swarm-b')).toBeUndefined();
    reloaded.forget('swarm-a');
    expect(new MemberPlaces(storage).get('swarm-a')).toBeUndefined();
  });

  it('ignores what is not a place, and a storage that throws', () => {
    const storage = memoryStorage();
    storage.setItem('swarmlab.place.x', '{"peerId":"<script>","memberKey":"short"}');
    storage.setItem('swarmlab.place.y', 'not json');
    const places = new MemberPlaces(storage);
    expect([places.get('x'), places.get('y')]).toEqual([undefined, undefined]);
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
    blocked.keep('x', PLACE);
    blocked.forget('x');
    expect(blocked.get('x')).toBeUndefined();
  });
});
