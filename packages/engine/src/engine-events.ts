/** Why a peer was disconnected by us. */
/**
 * Why a peer was dropped. `protocol-version`: its handshake names another `PROTOCOL_VERSION`, a tab of another build
 * (one left open while the server was updated): told apart from `handshake-mismatch` (another file, another id), which
 * every screen read as "offered another file" while the cure was to reload (found by review).
 */
export type DropReason =
  'protocol-violation' | 'bad-blocks' | 'request-flood' | 'handshake-mismatch' | 'protocol-version';

/** What a `SwarmEngine` reports through its `events`. */
export interface SwarmEngineEvents {
  'peer-connected': (event: { peerId: string }) => void;
  'peer-disconnected': (event: { peerId: string; reason: string }) => void;
  'peer-dropped': (event: { peerId: string; reason: DropReason; detail: string }) => void;
  'chunk-verified': (event: { chunkIndex: number }) => void;
  'chunk-rejected': (event: { chunkIndex: number; senders: string[] }) => void;
  /** A chunk we hold could not be read to serve a request (`error`: the store's), which was refused. */
  'chunk-unreadable': (event: { chunkIndex: number; error: unknown }) => void;
  /**
   * A verified chunk could not be kept (`error`: the store's; a full disk, a quota): it is not held, and is
   * fetched again. The host decides whether to go on: a store that failed once usually fails again.
   */
  'chunk-unstorable': (event: { chunkIndex: number; error: unknown }) => void;
  /** A chunk's hash could not be computed (`error`: the hasher's): its copy is thrown away and fetched again. */
  'chunk-unhashable': (event: { chunkIndex: number; error: unknown }) => void;
  complete: (event: { elapsedMs: number }) => void;
}
