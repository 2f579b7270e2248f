/** Where a tab keeps its id: `sessionStorage` is per tab and survives a reload, as the id must. */
const TAB_ID_KEY = 'swarmlab-tab-id';

/**
 * This tab's id for its stored chunks: two tabs of one browser in one swarm keep separate stores, and a
 * reloaded tab finds its own. Random (64 bits), made once per tab.
 */
export function tabIdOf(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined): string {
  const kept = storage?.getItem(TAB_ID_KEY);
  if (kept) return kept;
  const id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) => byte.toString(16).padStart(2, '0')).join(
    '',
  );
  storage?.setItem(TAB_ID_KEY, id);
  return id;
}
