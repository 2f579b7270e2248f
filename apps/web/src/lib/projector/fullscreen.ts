/**
 * The projector's full-screen button over the Fullscreen API, with what to say where it is missing (an
 * embedded page, an old browser, a page whose request was refused): the browser's own full screen (F11)
 * works everywhere the API does not.
 */
export interface FullscreenDocument {
  readonly fullscreenEnabled?: boolean;
  readonly fullscreenElement?: Element | null;
  exitFullscreen?: () => Promise<void>;
}

export interface FullscreenTarget {
  requestFullscreen?: () => Promise<void>;
}

export type FullscreenOutcome = 'entered' | 'left' | 'unsupported' | 'refused';

/** What the button says after an outcome the user must act on; undefined when there is nothing to say. */
export function fullscreenHint(outcome: FullscreenOutcome): string | undefined {
  if (outcome === 'unsupported') return 'This browser cannot go full screen from the page: press F11.';
  if (outcome === 'refused') return 'The browser refused full screen: press F11.';
  return undefined;
}

/** Enters full screen with `target`, or leaves it if the page is full screen already. Never throws. */
export async function toggleFullscreen(target: FullscreenTarget, doc: FullscreenDocument): Promise<FullscreenOutcome> {
  try {
    if (doc.fullscreenElement) {
      if (!doc.exitFullscreen) return 'unsupported';
      await doc.exitFullscreen();
      return 'left';
    }
    if (doc.fullscreenEnabled === false || !target.requestFullscreen) return 'unsupported';
    await target.requestFullscreen();
    return 'entered';
  } catch {
    return 'refused';
  }
}
