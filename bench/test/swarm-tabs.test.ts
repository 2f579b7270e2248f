import type { SwarmTab, SwarmTestState } from '@swarmlab/test-kit/browser';
import { describe, expect, it } from 'vitest';
import { BenchFailure } from '../failure';
import { SwarmTabs, type OpenSwarmTab } from '../swarm-tabs';

/** A tab's state as the page reports it, `connectedPeers` and `phase` as given. */
function state(phase: string, connectedPeers: number): SwarmTestState {
  return {
    phase,
    role: phase === 'seeding' ? 'seeder' : 'leecher',
    error: undefined,
    swarmId: 'swarm-1',
    peerId: undefined,
    bitsHex: '',
    chunksHeld: phase === 'seeding' ? 64 : 0,
    chunkCount: 64,
    complete: phase === 'seeding',
    connectedPeers,
    uploadedBytes: 0,
    downloadedBytes: 0,
    fileSha256: phase === 'seeding' ? 'ab'.repeat(32) : undefined,
    fileSha256Error: undefined,
    storesOpening: 0,
    hashedFraction: 1,
    resumedChunks: 0,
    testSwitches: { corruptBlocksFraction: 0, resumeCheckDelayMs: 0, joinCheckDelayMs: 0 },
    droppedPeers: [],
    runNumber: null,
    leftRun: false,
    run: null,
    peers: [],
  };
}

/** A tab that answers with `current()`: no browser, only what `SwarmTabs` reads. */
function fakeTab(current: () => SwarmTestState): SwarmTab {
  return {
    page: undefined,
    readState: async () => current(),
    readRunsJson: async () => '[]',
    generateFile: async () => {},
    shareLink: async () => 'http://127.0.0.1:1/#/swarm/swarm-1',
    pressStartRun: async () => 0,
    runError: async () => undefined,
    visibilityState: async () => 'visible',
  };
}

const options = { baseURL: 'http://127.0.0.1:1', peers: 3, fileBytes: 1024 * 1024, timeoutMs: 50 };

describe('bench swarm’s set-up', () => {
  it('says, when a leecher never connects, where every tab opened was (it said only which one failed)', async () => {
    const openTab: OpenSwarmTab = async (name) =>
      fakeTab(() =>
        name === 'seeder' ? state('seeding', 3) : name === 'leecher 3' ? state('joined', 1) : state('joined', 3),
      );
    const failure = await SwarmTabs.open({ ...options, openTab }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BenchFailure);
    const lines = (failure as BenchFailure).message.split('\n');
    expect(lines[0]).toBe('leecher 3 did not connect to all 3 other tabs within 0.05 s');
    expect(lines.filter((line) => /^(seeder|leecher \d): /.test(line)).map((line) => line.split(',')[0])).toEqual([
      'seeder: phase seeding',
      'leecher 1: phase joined',
      'leecher 2: phase joined',
      'leecher 3: phase joined',
    ]);
    expect(lines.find((line) => line.startsWith('leecher 3: '))).toContain('1 peer(s)');
    expect(lines.find((line) => line.startsWith('seeder: '))).toContain('3 peer(s)');
  });

  it('says the state of the tabs opened before one that could not be opened', async () => {
    const openTab: OpenSwarmTab = async (name) => {
      if (name === 'leecher 2') throw new Error('page.goto: net::ERR_CONNECTION_REFUSED');
      return fakeTab(() => (name === 'seeder' ? state('seeding', 0) : state('joining', 0)));
    };
    const failure = await SwarmTabs.open({ ...options, openTab }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BenchFailure);
    const message = (failure as BenchFailure).message;
    expect(message).toMatch(/^setting up the swarm failed: page\.goto: net::ERR_CONNECTION_REFUSED\n/);
    expect(message).toContain('\nseeder: phase seeding');
    expect(message).not.toContain('leecher 2: ');
  });
});
