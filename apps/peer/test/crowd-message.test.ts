import { describe, expect, it } from 'vitest';
import { crowdMessageLine, parseCrowdMessage, type CrowdMessage } from '../src/crowd-message';

describe('a crowd worker’s lines', () => {
  const messages: CrowdMessage[] = [
    { type: 'joined', peerId: 'p1', name: 'Ada' },
    { type: 'ready' },
    { type: 'complete', peerId: 'p1', runNumber: 2, fileSha256: 'ab'.repeat(32) },
    { type: 'failed', peerId: '', message: 'a crowd process ended (1)' },
  ];

  it('reads back every message a worker prints', () => {
    for (const message of messages) expect(parseCrowdMessage(crowdMessageLine(message).trimEnd())).toEqual(message);
  });

  it('ignores any other line: a library’s output, JSON that is not a message, a message missing its fields', () => {
    for (const line of [
      'null',
      '{"type":"ready"}',
      'Warning: something from a library',
      'swarmlab-crowd null',
      'swarmlab-crowd {"type":"joined"}',
      'swarmlab-crowd {"type":"ready","extra":1}',
      'swarmlab-crowd {"type":"complete","peerId":"p1","runNumber":0,"fileSha256":"ab"}',
      'swarmlab-crowd {"type":"unknown"}',
      'swarmlab-crowd {not json',
    ])
      expect(parseCrowdMessage(line), line).toBeUndefined();
  });
});
