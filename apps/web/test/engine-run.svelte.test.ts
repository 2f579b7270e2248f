import { createMemoryLinkPair, systemClock } from '@swarmlab/engine';
import { DEFAULT_RUN_CONFIG, type PeerRunSettings, type RunStarted } from '@swarmlab/protocol';
import { RunLinks } from '@swarmlab/webrtc';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { noblePageSha256 } from '../src/lib/page-sha256';
import { EngineRun } from '../src/lib/state/engine-run.svelte';
import { prepareSeed, storedFileSha256 } from '../src/lib/state/file-preparation';
import { generateTestFile } from '../src/lib/test-file';

const settings: PeerRunSettings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };
const started: RunStarted = { runNumber: 1, config: DEFAULT_RUN_CONFIG, settings: { seed: settings, leech: settings } };
const file = { name: 'one.bin', bytes: generateTestFile(1024 * 1024, 7) };

const runs: EngineRun[] = [];
afterEach(() => {
  for (const run of runs.splice(0)) run.end();
});

async function seederAndLeecher(onComplete: () => void = () => {}) {
  const prepared = await prepareSeed(file, noblePageSha256, () => {});
  const common = { manifest: prepared.manifest, contentId: prepared.contentId, started, sha256: noblePageSha256 };
  const seeder = new EngineRun({
    ...common,
    localPeerId: 'seed',
    settings,
    seedStore: prepared.store,
    onComplete: () => {},
  });
  const leecher = new EngineRun({ ...common, localPeerId: 'leech', settings, seedStore: undefined, onComplete });
  runs.push(seeder, leecher);
  // The first link is the seeder's end (its remote is the leecher), the second the leecher's.
  const [toLeecher, toSeeder] = createMemoryLinkPair('seed', 'leech', { clock: systemClock });
  return { prepared, seeder, leecher, toLeecher: new RunLinks(toLeecher), toSeeder: new RunLinks(toSeeder) };
}

describe('EngineRun', () => {
  it("a leecher's run ends complete, with the seeder's file, over run links", async () => {
    let completed!: () => void;
    const completion = new Promise<void>((resolve) => (completed = resolve));
    const { prepared, seeder, leecher, toLeecher, toSeeder } = await seederAndLeecher(() => completed());
    expect(seeder.sample()).toMatchObject({ complete: true, chunksHeld: 4 });
    expect(leecher.sample()).toMatchObject({ complete: false, chunksHeld: 0 });
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    await completion;
    const last = leecher.sample()!;
    expect(last).toMatchObject({ complete: true, chunksHeld: 4, downloadedBytes: file.bytes.length });
    expect(leecher.latestSnapshot).toBe(last);
    expect(await storedFileSha256(prepared.manifest, leecher.store, () => {})).toBe(
      await storedFileSha256(prepared.manifest, prepared.store, () => {}),
    );
  });

  it('keeps the peak rates it sampled', async () => {
    const { seeder, toLeecher, leecher, toSeeder } = await seederAndLeecher();
    seeder.addTransport(toLeecher);
    leecher.addTransport(toSeeder);
    let peak = 0;
    for (let i = 0; i < 40 && peak === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      leecher.sample();
      peak = leecher.peakDownloadBytesPerSec;
    }
    expect(peak).toBeGreaterThan(0);
    const before = leecher.peakDownloadBytesPerSec;
    leecher.sample();
    expect(leecher.peakDownloadBytesPerSec).toBeGreaterThanOrEqual(before);
  });

  it('once ended, samples nothing more but keeps its last sample', async () => {
    const { seeder } = await seederAndLeecher();
    const last = seeder.sample();
    expect(seeder.progress).toMatchObject({ runNumber: 1, transferring: true, snapshot: last });
    seeder.end();
    expect(seeder.transferring).toBe(false);
    expect(seeder.sample()).toBeUndefined();
    expect(seeder.latestSnapshot).toBe(last);
    expect(seeder.ownRun.leftOnCompletion).toBe(false);
    // A stopped run: reports say this tab is in no run, with what it held.
    expect(seeder.progress).toMatchObject({ runNumber: null, transferring: false, snapshot: last });
  });

  it('leaving on completion shows on the page and takes no more links', async () => {
    const { leecher, toSeeder } = await seederAndLeecher();
    const left: boolean[] = [];
    const stop = $effect.root(() => {
      $effect(() => void left.push(leecher.ownRun.leftOnCompletion));
    });
    flushSync();
    leecher.leave();
    flushSync();
    expect(left).toEqual([false, true]);
    expect(leecher.ownRun).toMatchObject({ started, settings, leftOnCompletion: true });
    // Still counted in the run it left on completion, moving nothing.
    expect(leecher.progress).toMatchObject({ runNumber: 1, transferring: false });
    leecher.addTransport(toSeeder);
    expect(toSeeder.runNumber).toBe(0);
    stop();
  });
});
