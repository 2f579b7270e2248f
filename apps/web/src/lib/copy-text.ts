/**
 * What copying gave: `copied` only when the browser took the text. `unavailable`: the page has no clipboard
 * API (plain-http LAN pages are not secure contexts, so `navigator.clipboard` is missing) and the old way of copying
 * the selection failed too; `refused`: the browser refused (no permission, page not focused).
 */
export type CopyOutcome = 'copied' | 'unavailable' | 'refused';

/** The part of `navigator.clipboard` used. */
export type TextClipboard = Pick<Clipboard, 'writeText'>;

/**
 * Selects the text and copies the selection the old way (`document.execCommand('copy')`, which needs no secure
 * context, only the click's user activation): whether the browser copied it.
 */
export type SelectionCopy = () => boolean;

/**
 * Copies `text` with `clipboard` (the page's, if it has one), or else with `copySelection`; never rejects. Without a
 * clipboard, `copySelection` runs before this returns its promise, in the click that asked (the only time a browser
 * lets a page copy): on a classroom's plain-http pages, the Copy button only selected the link (found by review).
 */
export async function copyText(
  text: string,
  clipboard: TextClipboard | undefined,
  copySelection?: SelectionCopy,
): Promise<CopyOutcome> {
  if (!clipboard) return copySelection?.() ? 'copied' : 'unavailable';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    return copySelection?.() ? 'copied' : 'refused';
  }
}

/** What to tell the user when copying did not happen; the link is then selected for them to copy. */
export function copyFallbackMessage(outcome: Exclude<CopyOutcome, 'copied'>): string {
  return outcome === 'unavailable'
    ? 'This page cannot copy by itself (it is not a secure context): the link is selected, copy it with Ctrl+C (⌘C), or long-press it.'
    : 'The browser did not let this page copy: the link is selected, copy it with Ctrl+C (⌘C), or long-press it.';
}
