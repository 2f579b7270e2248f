/** The part of a dropped `DataTransferItem` the start page reads: the entry it stands for (Chromium, Firefox, Safari). */
export interface DroppedItem {
  webkitGetAsEntry?(): { readonly isDirectory: boolean } | null;
}

/**
 * Whether a dropped item is a folder. The browser hands a folder over as a File too (of 0 or 4096 bytes, by system),
 * which the start page called empty, or failed to read and said "it may have changed on disk" (found by review).
 */
export function droppedFolder(item: DroppedItem | null | undefined): boolean {
  return item?.webkitGetAsEntry?.()?.isDirectory === true;
}
