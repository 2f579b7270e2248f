import { formatBytes } from '../format';

/**
 * Why a leecher cannot keep the file, as data (the session shows `storageMessageOf` and stops):
 * - `insufficient-storage`: before the download, the browser's quota leaves less room than the file needs.
 * - `quota-exceeded`: a write failed mid-run for lack of room (`QuotaExceededError`).
 * - `no-room-to-open`: the store could not even be recorded for lack of room (a full disk), as the run starts.
 * - `write-failed`: a write failed otherwise (private mode, storage evicted, disk error).
 * - `read-failed`: what the tab stored could not be read back as its run's store opened (a reload's check).
 * - `storage-gone`: the browser closed the chunk database under the tab (site data cleared, a backing-store
 *   error): what it stored is gone, and no read or write of the connection passes any more.
 * - `storage-unavailable`: IndexedDB cannot be opened at all.
 */
export type StorageError =
  | { readonly code: 'insufficient-storage'; readonly neededBytes: number; readonly availableBytes: number }
  | { readonly code: 'quota-exceeded'; readonly detail: string }
  | { readonly code: 'no-room-to-open'; readonly detail: string }
  | { readonly code: 'write-failed'; readonly detail: string }
  | { readonly code: 'read-failed'; readonly detail: string }
  | { readonly code: 'storage-gone'; readonly detail: string }
  | { readonly code: 'storage-unavailable'; readonly detail: string };

/**
 * Names a failed IndexedDB write's error: out of room, the connection closed by the browser (`InvalidStateError`: a
 * transaction asked of a closed connection; it blamed private browsing, found by review), or another failure.
 */
export function writeErrorOf(error: unknown): StorageError {
  const { name, detail } = namedError(error);
  if (name === 'QuotaExceededError') return { code: 'quota-exceeded', detail };
  if (name === 'InvalidStateError') return { code: 'storage-gone', detail };
  return { code: 'write-failed', detail };
}

/**
 * Names a failed IndexedDB read's error (a run's store opening, checking what a reload kept): the connection closed
 * by the browser, or a read that failed. Every such failure was told to allow the site to save data, in a browser
 * that had just stored the chunks (found by review).
 */
export function readErrorOf(error: unknown): StorageError {
  const { name, detail } = namedError(error);
  return name === 'InvalidStateError' ? { code: 'storage-gone', detail } : { code: 'read-failed', detail };
}

/** The `StorageError` that tells the browser closed the chunk database (its `close` event). */
export const STORAGE_GONE: StorageError = {
  code: 'storage-gone',
  detail: 'its database connection was closed',
};

function namedError(error: unknown): { readonly name: string; readonly detail: string } {
  const name = error instanceof Error || error instanceof DOMException ? error.name : '';
  const message = error instanceof Error || error instanceof DOMException ? error.message : String(error);
  return { name, detail: message || name || 'unknown error' };
}

/** A sentence for the user. */
export function storageMessageOf(error: StorageError): string {
  switch (error.code) {
    case 'insufficient-storage':
      return `This file needs ${formatBytes(error.neededBytes)} of browser storage, but only ${formatBytes(error.availableBytes)} is free here, shared with this browser's other tabs downloading now. Free some disk space (or leave private browsing) and open the link again.`;
    case 'quota-exceeded':
      return "The browser ran out of storage for this file while downloading, so this tab stopped and removed what it had stored. This browser's other tabs downloading at the same time share its room. Free some disk space and open the link again.";
    case 'no-room-to-open':
      return `The browser has no room left to store this file (${error.detail}), so this tab stopped, and removed what it kept of this swarm's earlier runs. Free some disk space and open the link again.`;
    case 'write-failed':
      return `The browser refused to store a chunk (${error.detail}), so this tab stopped and removed what it had stored. Private browsing may not allow it.`;
    case 'read-failed':
      return `The browser could not read back what this tab had stored (${error.detail}), so this tab stopped. Open the link again to try once more.`;
    case 'storage-gone':
      return `The browser removed this site's stored data (${error.detail}): the file is gone from this tab, which stopped. Open the link again to download it again.`;
    case 'storage-unavailable':
      return `This browser lets the page store no data (${error.detail}), and a peer keeps what it downloads in the browser's storage. Allow this site to save data (in the address bar's site settings: cookies and site data), then open the link again; private browsing may not allow it at all.`;
  }
}

/**
 * The stored chunks could not be rewritten as Blobs once the run was over (for the whole-file hash, or for
 * Save): the tab keeps going, and the file stays stored as it was. Its message says why, for the user.
 */
export class StoreRewriteError extends Error {
  override readonly name = 'StoreRewriteError';
  readonly storageError: StorageError;

  constructor(storageError: StorageError) {
    super(
      storageError.code === 'quota-exceeded'
        ? 'the browser ran out of storage while preparing the file: free some disk space and try again'
        : `the browser could not prepare the stored file (${'detail' in storageError ? storageError.detail : storageError.code})`,
    );
    this.storageError = storageError;
  }
}

/**
 * Save found the file no longer stored whole in this tab: a new run started meanwhile (each run starts empty,
 * and deletes the last one's chunks), or the browser removed the site's data. Its message says so, where Save
 * used to end without a word.
 */
export class StoredFileGoneError extends Error {
  override readonly name = 'StoredFileGoneError';

  constructor(storedChunks: number, chunkCount: number) {
    super(
      `it is no longer stored whole in this tab (${storedChunks} of ${chunkCount} chunks): a new run started, ` +
        'and each run starts empty, or the browser removed this site’s data',
    );
  }
}

/**
 * A write, or a pass over the file (Save, the hash), on a store that was closed (`IdbChunkStore.close`): the tab
 * left, or a new run's store took over. Its message is shown after "Could not save the file: ".
 */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';

  constructor() {
    super('a new run started meanwhile (each run starts empty), or this tab left the swarm');
  }
}
