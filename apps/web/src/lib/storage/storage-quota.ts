import type { StorageError } from './storage-error';

/** `navigator.storage.estimate`, or nothing where the browser does not say (then the check is skipped). */
export type EstimateStorage = () => Promise<StorageEstimate>;

/**
 * Room kept free beyond the file: IndexedDB stores each chunk with keys and metadata, and the browser
 * needs room for itself. A few percent of a file, at least 16 MiB.
 */
export function storageMarginBytes(fileBytes: number): number {
  return Math.max(16 * 1024 * 1024, Math.ceil(fileBytes * 0.02));
}

/**
 * What a leecher's page says where it cannot check its room before a download: `navigator.storage` exists in secure
 * contexts only, so a classroom's plain-http page (`http://192.168.x.y:8080`) downloads until a write fails for room,
 * then stops and deletes what it stored. Undefined where the check runs (`estimate` given).
 */
export function uncheckedRoomNote(fileBytes: number, estimate: EstimateStorage | undefined): string | undefined {
  if (estimate) return undefined;
  const neededMiB = Math.ceil((fileBytes + storageMarginBytes(fileBytes)) / 2 ** 20);
  return (
    `This page cannot check this device's free storage (browsers tell it only to secure pages, https or ` +
    `localhost): the download needs about ${neededMiB.toLocaleString('en')} MiB free, or it stops when the disk is full.`
  );
}

export function browserEstimate(): EstimateStorage | undefined {
  const storage = globalThis.navigator?.storage;
  return storage?.estimate ? () => storage.estimate() : undefined;
}

/**
 * Whether `neededBytes` more fit in the origin's quota, counting `releasingBytes` (data being deleted in
 * the background, e.g. the previous run's chunks) as free. `undefined` when they fit or nobody can say.
 * A known limit: the browser's other tabs downloading at the same time see the same free room, and nothing reserves
 * it between them; the sentences for `insufficient-storage` and `quota-exceeded` say they share it (found by review).
 */
export async function storageShortfall(
  neededBytes: number,
  releasingBytes: number,
  estimate: EstimateStorage | undefined,
): Promise<StorageError | undefined> {
  if (!estimate || neededBytes <= 0) return undefined;
  let estimated: StorageEstimate;
  try {
    estimated = await estimate();
  } catch {
    return undefined;
  }
  const quotaBytes = estimated.quota;
  const usageBytes = estimated.usage ?? 0;
  if (quotaBytes === undefined) return undefined;
  const availableBytes = Math.max(0, quotaBytes - usageBytes + releasingBytes);
  const wantedBytes = neededBytes + storageMarginBytes(neededBytes);
  return wantedBytes > availableBytes
    ? { code: 'insufficient-storage', neededBytes: wantedBytes, availableBytes }
    : undefined;
}
