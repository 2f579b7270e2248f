import { MemoryChunkStore, type Clock } from '@swarmlab/engine';
import {
  checkServerEvent,
  DEFAULT_RUN_CONFIG,
  MAX_RESUMED_RUN_MS,
  swarmResumeRequestSchema,
  webCryptoSha256,
} from '@swarmlab/protocol';
import { testFile } from '@swarmlab/test-kit';
import { describe, expect, it } from 'vitest';
import { RunEngine } from '../src/run-engine';
import { rejoinRequestOf } from '../src/swarm-rejoin';

const DAY_MS = 24 * 3600 * 1000;

describe('a run going on for longer than a server takes back', () => {
  it.each([
    ['a day', DAY_MS],
    ['eight days', 8 * DAY_MS],
  ])('(%s) is asked back with the place, its age at most what a server takes', async (_name, elapsedMs) => {
    const file = await testFile(64 * 1024, 64 * 1024);
    const settings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
    // What the server says as the tab joins: the run started that long ago (nothing bounds a run's age there).
    const started = { runNumber: 3, config: DEFAULT_RUN_CONFIG, settings: { s: settings }, elapsedMs };
    expect(checkServerEvent('run:started', started).ok).toBe(true);
    let nowMs = 1000;
    const clock: Clock = { nowMs: () => nowMs, setTimer: () => () => {} };
    const run = new RunEngine({
      manifest: file.manifest,
      contentId: file.contentId,
      localPeerId: 's',
      started: { ...started, heardAtMs: nowMs },
      settings,
      store: MemoryChunkStore.fromFile(file.bytes, 64 * 1024),
      seeding: true,
      sha256: webCryptoSha256,
      clock,
      onComplete: () => {},
    });
    try {
      nowMs += 5000;
      // Never left out: a server that still has the run would take the tab for a fresh engine, and count what it
      // sent before the drop twice.
      const resumed = run.resumedRun([])!;
      expect(resumed.runNumber).toBe(3);
      expect(resumed.elapsedMs).toBe(Math.min(elapsedMs + 5000, MAX_RESUMED_RUN_MS));
      const request = rejoinRequestOf(
        {
          swarmId: 'A'.repeat(22),
          peerId: 's',
          memberKey: 'B'.repeat(22),
          seal: { salt: 'C'.repeat(22), controlDigest: 'D'.repeat(43) },
          role: 'seeder',
          control: undefined,
          manifest: file.manifest,
          contentId: file.contentId,
        },
        resumed,
      );
      // Before: past a week, every ask failed the server's schema (`invalid-payload`), which a rejoin never asks
      // again: the tab never took its place back.
      expect(swarmResumeRequestSchema.safeParse(request.resume).success).toBe(true);
    } finally {
      run.end();
    }
  });
});
