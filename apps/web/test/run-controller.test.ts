import { DEFAULT_RUN_CONFIG, type SignallingResult } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { signallingRunController } from '../src/lib/state/run-controller';
import { userMessageOf } from '../src/lib/user-message';

describe('signallingRunController', () => {
  it('asks the server, and turns a refusal into a sentence for the user', async () => {
    const asked: unknown[] = [];
    const refusal: SignallingResult = { ok: false, error: { code: 'timeout', message: 'ack timeout' } };
    const controller = signallingRunController({
      startRun: async (request) => (asked.push(request), { ok: true, runNumber: 3 }),
      stopRun: async () => refusal,
      configurePeer: async (request) => (asked.push(request), { ok: true }),
    });
    expect(await controller.startRun(DEFAULT_RUN_CONFIG)).toBeUndefined();
    expect(await controller.configurePeer('peer', { uploadBytesPerSec: 1e6 })).toBeUndefined();
    expect(asked).toEqual([{ config: DEFAULT_RUN_CONFIG }, { peerId: 'peer', override: { uploadBytesPerSec: 1e6 } }]);
    expect(await controller.stopRun()).toBe(userMessageOf({ code: 'timeout', message: 'ack timeout' }));
  });
});

describe('userMessageOf', () => {
  it('says what the user can do, and passes on what the server said otherwise', () => {
    expect(userMessageOf({ code: 'swarm-not-found', message: 'no such swarm' })).toContain('unknown or has ended');
    expect(userMessageOf({ code: 'timeout', message: 'ack timeout' })).toContain('did not answer');
    expect(userMessageOf({ code: 'invalid-payload', message: 'Seeder upload must be at least 10000 B/s' })).toBe(
      'Seeder upload must be at least 10000 B/s',
    );
  });
});
