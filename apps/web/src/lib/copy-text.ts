/**
 * What copying gave: `copied` only when the browser took the text. `unavailable`: the page has no clipboard
 * API (plain-http LAN pages are not secure contexts, so `navigator.clipboard` is missing); `refused`: the
 * browser refused (no permission, page not focused).
 */
export type CopyOutcome = 'copied' | 'unavailable' | 'refused';

/** The part of `navigator.clipboard` used. */
export type TextClipboard = Pick<Clipboard, 'writeText'>;

/** Copies `text` with `clipboard` (the page's, if it has one); never rejects. */
export async function copyText(text: string, clipboard: TextClipboard | undefined): Promise<CopyOutcome> {
  if (!clipboard) return 'unavailable';
  try {
    await clipboard.writeText(text);
    return 'copied';
  } catch {
    return 'refused';
  }
}

/** What to tell the user when copying did not happen; the link is then selected for them to copy. */
export function copyFallbackMessage(outcome: Exclude<CopyOutcome, 'copied'>): string {
  return outcome === 'unavailable'
    ? 'This page cannot copy by itself (it is not a secure context): the link is selected, copy it with Ctrl+C (⌘C), or long-press it.'
    : 'The browser did not let this page copy: the link is selected, copy it with Ctrl+C (⌘C), or long-press it.';
}
