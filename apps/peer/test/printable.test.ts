import { expect, it } from 'vitest';
import { printable } from '../src/printable';

it('a line from the swarm reaches the terminal without its escape sequences, carriage returns or bidi overrides', () => {
  const peerId = 'x\u001b[2J\u001b]0;owned\u0007\rfake line\u202eevil';
  expect(printable(`dropped peer p1: handshake-mismatch: peer calls itself ${peerId}`)).toBe(
    'dropped peer p1: handshake-mismatch: peer calls itself x\uFFFD[2J\uFFFD]0;owned\uFFFD\uFFFDfake line\uFFFDevil',
  );
  expect(printable('run 1 finished in 2.00 s, Zoë 👋')).toBe('run 1 finished in 2.00 s, Zoë 👋');
});
