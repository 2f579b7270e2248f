import { toHex } from '@swarmlab/protocol';
import type { RunHistory } from './state/run-history.svelte';
import type { SwarmSession } from './state/swarm-session.svelte';
import type { SwarmWatch } from './state/swarm-watch.svelte';
import type { SwarmTestHook } from './test-hook-types';
import { releaseTestDelays } from './test-delays';
import { NO_TEST_SWITCHES, type TestSwitches } from './test-switches';

/** Where the hook reads: the app's open session or watch, and the runs this browser keeps. */
export interface TestHookSources {
  readonly session: SwarmSession | undefined;
  readonly watch: SwarmWatch | undefined;
  readonly history: RunHistory;
}

export function installTestHook(
  target: { __swarm?: SwarmTestHook },
  sources: TestHookSources,
  testSwitches: TestSwitches = NO_TEST_SWITCHES,
): void {
  target.__swarm = {
    state() {
      const { session, watch } = sources;
      // The latest values, not what is drawn: a hidden tab draws nothing but is still read.
      const snapshot = session?.latestSnapshot;
      const run = (session?.latestSwarmProgress ?? watch?.swarmProgress)?.run ?? null;
      return {
        phase: session?.phase ?? watch?.phase ?? 'idle',
        role: session?.role,
        error: session?.error ?? watch?.error,
        swarmId: session?.swarmId ?? watch?.swarmId,
        peerId: session?.peerId,
        bitsHex: snapshot ? toHex(snapshot.bits) : '',
        chunksHeld: snapshot?.chunksHeld ?? 0,
        chunkCount: snapshot?.chunkCount ?? 0,
        complete: snapshot?.complete ?? false,
        connectedPeers: session?.connectedPeers ?? 0,
        uploadedBytes: snapshot?.uploadedBytes ?? 0,
        downloadedBytes: snapshot?.downloadedBytes ?? 0,
        fileSha256: session?.fileSha256,
        fileSha256Error: session?.fileSha256Error,
        storesOpening: session?.storesOpening ?? 0,
        hashedFraction: session?.hashedFraction ?? 0,
        resumedChunks: session?.resumedChunks ?? 0,
        testSwitches,
        droppedPeers: (session?.droppedPeers ?? []).map(({ peerId, reason }) => ({ peerId, reason })),
        runNumber: session?.ownRun?.started.runNumber ?? null,
        leftRun: session?.ownRun?.leftOnCompletion ?? false,
        run: run && {
          runNumber: run.runNumber,
          phase: run.phase,
          mode: run.config.mode,
          distributionMs: run.distributionMs,
          leechers: run.participants.filter((peer) => peer.role === 'leecher' && peer.flagged === null).length,
          completedAfterMs: run.participants
            .filter((peer) => peer.role === 'leecher')
            .map((peer) => peer.completedAfterMs),
        },
        peers: (snapshot?.peers ?? []).map(
          (p) =>
            `${p.peerId} held=${p.chunksHeld} ${p.amChoking ? 'choking' : 'unchoking'} ${p.peerChoking ? 'choked' : 'unchoked'}` +
            ` ${p.amInterested ? 'interested' : '-'} ${p.peerInterested ? 'wanted' : '-'}${p.snubbed ? ' snubbed' : ''}` +
            ` out=${p.outstandingRequests} ↑${p.uploadedBytes} ↓${p.downloadedBytes}`,
        ),
      };
    },
    exportJson: () => sources.history.toJson(),
    exportCsv: () => sources.history.toCsv(),
    releaseDelays: releaseTestDelays,
  };
}
