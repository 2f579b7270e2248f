/** Where a tab keeps its id: `sessionStorage` is per tab and survives a reload, as the id must. */
const TAB_ID_KEY = 'swarmlab-tab-id';

/**
 * This tab's id for its stored chunks: two tabs of one browser in one swarm keep separate stores, and a
 * reloaded tab finds its own. Random (64 bits), made once per tab; without a storage that keeps it (none,
 * or one that throws) a reload gets a new id, and its old store is cleaned up as stale.
 */
export function tabIdOf(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined): string {
  try {
    const kept = storage?.getItem(TAB_ID_KEY);
    if (kept) return kept;
  } catch {
    // Storage refused: a new id, as without one.
  }
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join(
    '',
  );
  try {
    storage?.setItem(TAB_ID_KEY, id);
  } catch {
    // Full or refused: the id lasts as long as the page.
  }
  return id;
}
