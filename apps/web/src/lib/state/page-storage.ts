/**
 * The page's `localStorage` or `sessionStorage`, or undefined where the browser refuses it: with site data
 * blocked (a setting of many managed school machines, or cookies blocked) merely reading the property throws
 * `SecurityError`. Everything kept there is a convenience (runs of earlier pages, a reload's names and
 * secrets), so the page goes on without it.
 */
export function pageStorage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return globalThis[kind];
  } catch {
    return undefined;
  }
}
