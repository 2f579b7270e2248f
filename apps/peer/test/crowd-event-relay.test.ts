import { describe, expect, it } from 'vitest';
import { createCrowdEventRelay } from '../src/crowd-event-relay';
import { crowdMessageLine, parseCrowdMessage, type CrowdMessage } from '../src/crowd-message';

describe('a crowd peer’s events', () => {
  const hash = 'cd'.repeat(32);

  it('told before its id is known go out under that id once it is, in order, and read back in the parent', () => {
    const lines: string[] = [];
    const relay = createCrowdEventRelay((message) => lines.push(crowdMessageLine(message).trimEnd()));
    relay.onEvent({ type: 'run-started', runNumber: 1 });
    relay.onEvent({ type: 'complete', runNumber: 1, fileSha256: hash });
    relay.onEvent({ type: 'failed', message: 'cannot write chunk 3' });
    expect(lines).toEqual([]);
    relay.named('p7');
    const parsed: (CrowdMessage | undefined)[] = lines.map(parseCrowdMessage);
    expect(parsed).toEqual([
      { type: 'complete', peerId: 'p7', runNumber: 1, fileSha256: hash },
      { type: 'failed', peerId: 'p7', message: 'cannot write chunk 3' },
    ]);
  });

  it('told after go out at once', () => {
    const said: CrowdMessage[] = [];
    const relay = createCrowdEventRelay((message) => said.push(message));
    relay.named('p2');
    relay.onEvent({ type: 'complete', runNumber: 3, fileSha256: hash });
    expect(said).toEqual([{ type: 'complete', peerId: 'p2', runNumber: 3, fileSha256: hash }]);
    expect(() => relay.named('p3')).toThrow('named already');
  });
});
