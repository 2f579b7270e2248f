import { expect, it } from 'vitest';
import { SAME_PRESS_MS, SignalPresses } from '../src/signal-presses';

it('takes a signal repeated at once (tsx relaying it again) for the same press, and a later one for another', () => {
  const presses = new SignalPresses();
  expect(presses.stopping).toBe(false);
  expect(presses.press(1000)).toBe('first');
  expect(presses.stopping).toBe(true);
  // tsx sends it again 30 ms later, and once more 30 ms after that, if its child has not said it got it.
  expect(presses.press(1030)).toBe('repeat');
  expect(presses.press(1060)).toBe('repeat');
  // The user presses again while the peer cleans up: it exits at once.
  expect(presses.press(1000 + SAME_PRESS_MS)).toBe('again');
});
