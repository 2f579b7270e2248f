import { describe, expect, it } from 'vitest';
import { isPlainClick } from '../src/lib/route';

describe('isPlainClick', () => {
  const plain = { button: 0, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };

  it('is a main-button click with no modifier', () => {
    expect(isPlainClick(plain)).toBe(true);
  });

  it.each([
    ['Ctrl-click (a new tab)', { ctrlKey: true }],
    ['⌘-click (a new tab on a Mac)', { metaKey: true }],
    ['Shift-click (a new window)', { shiftKey: true }],
    ['Alt-click (a download)', { altKey: true }],
    ['another button', { button: 1 }],
  ])('is not a %s', (_what, change) => {
    expect(isPlainClick({ ...plain, ...change })).toBe(false);
  });
});
