import { toHex } from '@swarmlab/protocol';
import type { SwarmSession } from './state/swarm-session.svelte';
import type { SwarmTestHook } from './test-hook-types';

export function installTestHook(target: { __swarm?: SwarmTestHook }, current: () => SwarmSession | undefined): void {
  target.__swarm = {
    state() {
      const session = current();
      const snapshot = session?.snapshot;
      return {
        phase: session?.phase ?? 'idle',
        role: session?.role,
        error: session?.error,
        swarmId: session?.swarmId,
        bitsHex: snapshot ? toHex(snapshot.bits) : '',
        chunksHeld: snapshot?.chunksHeld ?? 0,
        chunkCount: snapshot?.chunkCount ?? 0,
        complete: snapshot?.complete ?? false,
        connectedPeers: snapshot?.peers.length ?? 0,
        uploadedBytes: snapshot?.uploadedBytes ?? 0,
        downloadedBytes: snapshot?.downloadedBytes ?? 0,
        fileSha256: session?.fileSha256,
        distributionMs: session?.swarmProgress?.distributionMs ?? null,
        peers: (snapshot?.peers ?? []).map(
          (p) =>
            `${p.peerId} held=${p.chunksHeld} ${p.amChoking ? 'choking' : 'unchoking'} ${p.peerChoking ? 'choked' : 'unchoked'}` +
            ` ${p.amInterested ? 'interested' : '-'} ${p.peerInterested ? 'wanted' : '-'} out=${p.outstandingRequests} ↑${p.uploadedBytes} ↓${p.downloadedBytes}`,
        ),
      };
    },
  };
}
