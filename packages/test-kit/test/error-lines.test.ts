import { describe, expect, it } from 'vitest';
import { ErrorLines } from '../src/server/error-lines';

describe('the error lines of a process’s output', () => {
  it('takes the lines starting with "error:", whole, however the output is cut into chunks', () => {
    const errors = new ErrorLines();
    errors.feed('swarm created (1 swarms)\nerr');
    expect(errors.lines).toEqual([]);
    errors.feed('or: swarm:progress broadcast failed: TypeError: x\r\n  at f (a.ts:1)\nno error: here\n');
    errors.feed('error: redis: ');
    errors.feed('Socket closed unexpectedly');
    expect(errors.lines).toEqual(['error: swarm:progress broadcast failed: TypeError: x']);
    // The output ended without a newline: its last line counts too.
    errors.end();
    expect(errors.lines).toEqual([
      'error: swarm:progress broadcast failed: TypeError: x',
      'error: redis: Socket closed unexpectedly',
    ]);
  });
});
