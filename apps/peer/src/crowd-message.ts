/** What a crowd worker tells its parent, one JSON object per line (`crowd-worker.ts`). */
export type CrowdMessage =
  | { readonly type: 'joined'; readonly peerId: string; readonly name: string }
  /** Every peer of this worker has joined. */
  | { readonly type: 'ready' }
  | { readonly type: 'complete'; readonly peerId: string; readonly runNumber: number; readonly fileSha256: string }
  | { readonly type: 'failed'; readonly peerId: string; readonly message: string };
