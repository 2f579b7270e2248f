import { describe, expect, it } from 'vitest';
import type { ChokerPeer, DownloaderPeer, UploaderPeer } from '../src/peer-state';

/** Type-checked (`tsc -p packages/engine`), never run: each part may write only its own state of a peer. */
function writes(downloader: DownloaderPeer, uploader: UploaderPeer, choker: ChokerPeer): void {
  downloader.amInterested = true;
  // @ts-expect-error: whether we choke a peer is ChokeControl's
  downloader.amChoking = false;
  // @ts-expect-error: links are closed by the engine
  downloader.closed = true;
  uploader.recentRejects = 0;
  uploader.uploadQueue.length = 0;
  // @ts-expect-error: the peer's interest in us is ChokeControl's
  uploader.peerInterested = true;
  // @ts-expect-error: our requests are the Downloader's
  uploader.outstanding.clear();
  choker.amChoking = false;
  // @ts-expect-error: snubbing is the Downloader's to decide
  choker.snubbed = true;
  // @ts-expect-error: the upload queue is not even visible outside the Uploader
  choker.uploadQueue.length = 0;
}

describe('per-peer state', () => {
  it('is written only by the part that owns it (checked by the compiler)', () => {
    expect(writes).toBeTypeOf('function');
  });
});
