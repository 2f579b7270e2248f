import { describe, expect, it } from 'vitest';
import { memberKeyDigestOf } from '../src/control-secret';
import { DepartedMembers } from '../src/departed-members';

const digest = (key: string) => memberKeyDigestOf(key);
const member = (key: string) => ({ keyDigest: digest(key).toString('base64url') });

describe('DepartedMembers', () => {
  it('lets only the departed member’s key take its id, and any key an id nobody left under', () => {
    const departed = new DepartedMembers(4);
    departed.remember('a', member('key-a'));
    expect(departed.allows('a', digest('key-a'))).toBe(true);
    expect(departed.allows('a', digest('key-b'))).toBe(false);
    expect(departed.allows('b', digest('key-b'))).toBe(true);
    departed.forget('a');
    expect(departed.allows('a', digest('key-b'))).toBe(true);
  });

  it('keeps the settings the controller gave a member until it is back', () => {
    const departed = new DepartedMembers(4);
    departed.remember('a', { ...member('key-a'), controlOverride: { uploadBytesPerSec: null } });
    departed.remember('b', member('key-b'));
    expect(departed.controlOverrideOf('a')).toEqual({ uploadBytesPerSec: null });
    expect(departed.controlOverrideOf('b')).toBeUndefined();
    departed.forget('a');
    expect(departed.controlOverrideOf('a')).toBeUndefined();
  });

  it('forgets, past its bound, the longest gone of the address with most departures kept, never the seeder', () => {
    const departed = new DepartedMembers(4);
    departed.remember('seed', { ...member('key-s'), address: 'teacher', pinned: true });
    departed.remember('a', { ...member('key-a'), address: 'class' });
    for (const id of ['x1', 'x2', 'x3']) departed.remember(id, { ...member(`key-${id}`), address: 'prank' });
    expect(departed.entries().map(([peerId]) => peerId)).toEqual(['seed', 'a', 'x2', 'x3']);
    // With only the seeder's and one other address's left, that one's go first; the seeder's stays.
    const pinnedOnly = new DepartedMembers(1);
    pinnedOnly.remember('seed', { ...member('key-s'), pinned: true });
    pinnedOnly.remember('b', member('key-b'));
    expect(pinnedOnly.entries().map(([peerId]) => peerId)).toEqual(['seed']);
  });

  it('forgets the longest gone past its bound, a member that left again counting as the latest', () => {
    const departed = new DepartedMembers(2, [
      ['a', member('key-a')],
      ['b', member('key-b')],
    ]);
    departed.remember('a', member('key-a'));
    departed.remember('c', member('key-c'));
    expect(departed.entries().map(([peerId]) => peerId)).toEqual(['a', 'c']);
    expect(departed.allows('b', digest('anyone'))).toBe(true);
    expect(departed.allows('a', digest('anyone'))).toBe(false);
  });

  it('refuses a bound that is not a positive whole number', () => {
    expect(() => new DepartedMembers(0)).toThrow(RangeError);
    expect(() => new DepartedMembers(1.5)).toThrow(RangeError);
  });
});
