import { describe, expect, it } from 'vitest';
import { blocksPageDrop, installPageDropGuard } from '../src/lib/page-drop-guard';

/** A drag event as the browser fires it at the window, carrying `types`. */
function dragEvent(type: 'dragover' | 'drop', types: string[]): Event & { dataTransfer: { dropEffect: string } } {
  return Object.assign(new Event(type, { cancelable: true }), {
    dataTransfer: { types, dropEffect: 'copy' },
  });
}

describe('the page’s drop guard', () => {
  it('refuses a drag of files where nothing on the page takes it, and leaves text and links to the browser', () => {
    // Before, a file dropped beside the start page's box was opened by the browser, in place of the page.
    expect(blocksPageDrop({ types: ['Files'], takenByTarget: false })).toBe(true);
    expect(blocksPageDrop({ types: ['application/x-moz-file', 'Files'], takenByTarget: false })).toBe(true);
    // The drop box took it (it cancelled the event), or a file input sets its files from it.
    expect(blocksPageDrop({ types: ['Files'], takenByTarget: true })).toBe(false);
    expect(blocksPageDrop({ types: ['text/plain'], takenByTarget: false })).toBe(false);
    expect(blocksPageDrop({ types: ['text/uri-list', 'text/plain'], takenByTarget: false })).toBe(false);
    expect(blocksPageDrop({ types: [], takenByTarget: false })).toBe(false);
  });

  it('cancels such drags on the window, saying "none" while over it, until removed', () => {
    const page = new EventTarget();
    const remove = installPageDropGuard(page);
    const over = dragEvent('dragover', ['Files']);
    page.dispatchEvent(over);
    expect([over.defaultPrevented, over.dataTransfer.dropEffect]).toEqual([true, 'none']);
    const drop = dragEvent('drop', ['Files']);
    page.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    const link = dragEvent('drop', ['text/uri-list']);
    page.dispatchEvent(link);
    expect(link.defaultPrevented).toBe(false);
    remove();
    const after = dragEvent('drop', ['Files']);
    page.dispatchEvent(after);
    expect(after.defaultPrevented).toBe(false);
  });

  it('leaves a drag the drop box took, or one over a file input, as it is', () => {
    const page = new EventTarget();
    installPageDropGuard(page);
    const over = dragEvent('dragover', ['Files']);
    // The start page's box cancelled it on its way up: its "copy" stays.
    over.preventDefault();
    page.dispatchEvent(over);
    expect(over.dataTransfer.dropEffect).toBe('copy');
    // The seeder-gone page's file input sets its files from the drop itself.
    const input = Object.assign(new EventTarget(), { tagName: 'INPUT', type: 'file' });
    installPageDropGuard(input);
    const drop = dragEvent('drop', ['Files']);
    input.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(false);
  });
});
