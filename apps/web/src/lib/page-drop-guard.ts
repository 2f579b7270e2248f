/**
 * A file dropped anywhere on a page but a place that takes it (the start page's drop box, a file input) was opened
 * or downloaded by the browser, in place of the page: a swarm's tab gone, a seeder's with it (found by review). The
 * page takes every drag of files and refuses it ("none", the cursor says so) where nothing takes it. Text and links
 * are left to the browser.
 */

/** A drag over or onto the page, as `blocksPageDrop` reads it. */
export interface PageDrag {
  /** `dataTransfer.types`: "Files" among them for a drag of files. */
  readonly types: readonly string[];
  /** What it is over takes files itself: a drop box that cancelled the event, a file input. */
  readonly takenByTarget: boolean;
}

/** Whether the page refuses `drag` itself, so the browser neither opens nor downloads its file. */
export function blocksPageDrop(drag: PageDrag): boolean {
  return !drag.takenByTarget && drag.types.includes('Files');
}

/** A file input: the browser sets its files from a drop (the seeder-gone page's picker). */
function takesFilesItself(target: EventTarget | null): boolean {
  const element = target as Partial<Pick<HTMLInputElement, 'tagName' | 'type'>> | null;
  return element?.tagName === 'INPUT' && element.type === 'file';
}

/**
 * Refuses drags of files on `page` (the window; listened to last, after any drop box) where nothing takes them.
 * Installed once, by the page's entry point. Returns the removal.
 */
export function installPageDropGuard(page: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>): () => void {
  const guard = (event: Event): void => {
    const { dataTransfer } = event as DragEvent;
    const drag = {
      types: [...(dataTransfer?.types ?? [])],
      takenByTarget: event.defaultPrevented || takesFilesItself(event.target),
    };
    if (!blocksPageDrop(drag)) return;
    event.preventDefault();
    if (event.type === 'dragover' && dataTransfer) dataTransfer.dropEffect = 'none';
  };
  page.addEventListener('dragover', guard);
  page.addEventListener('drop', guard);
  return () => {
    page.removeEventListener('dragover', guard);
    page.removeEventListener('drop', guard);
  };
}
