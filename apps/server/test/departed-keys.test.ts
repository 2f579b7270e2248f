import { describe, expect, it } from 'vitest';
import { memberKeyDigestOf } from '../src/control-secret';
import { DepartedKeys } from '../src/departed-keys';

const digest = (key: string) => memberKeyDigestOf(key);
const stored = (key: string) => digest(key).toString('base64url');

describe('DepartedKeys', () => {
  it('lets only the departed member’s key take its id, and any key an id nobody left under', () => {
    const keys = new DepartedKeys(4);
    keys.remember('a', stored('key-a'));
    expect(keys.allows('a', digest('key-a'))).toBe(true);
    expect(keys.allows('a', digest('key-b'))).toBe(false);
    expect(keys.allows('b', digest('key-b'))).toBe(true);
    keys.forget('a');
    expect(keys.allows('a', digest('key-b'))).toBe(true);
  });

  it('forgets the longest gone past its bound, a member that left again counting as the latest', () => {
    const keys = new DepartedKeys(2, [
      ['a', stored('key-a')],
      ['b', stored('key-b')],
    ]);
    keys.remember('a', stored('key-a'));
    keys.remember('c', stored('key-c'));
    expect(keys.entries().map(([peerId]) => peerId)).toEqual(['a', 'c']);
    expect(keys.allows('b', digest('anyone'))).toBe(true);
    expect(keys.allows('a', digest('anyone'))).toBe(false);
  });

  it('refuses a bound that is not a positive whole number', () => {
    expect(() => new DepartedKeys(0)).toThrow(RangeError);
    expect(() => new DepartedKeys(1.5)).toThrow(RangeError);
  });
});
