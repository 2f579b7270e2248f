/**
 * Version of the peer wire protocol; peers with another version are refused at handshake. 2: `have-all` (a tab of
 * the build before, still open when the server was updated, is refused at once rather than dropped at the reveal).
 */
export const PROTOCOL_VERSION = 2;

/** BitTorrent's customary chunk ("piece") size, and the seed's "typically 256 KiB". */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * Largest payload one `block` message carries: 64 KiB, a message of 65,545 bytes with its 9-byte header. Chromium
 * to Chromium allows 256 KiB; a stack that allows only 64 KiB messages (what one may assume when the remote
 * advertises no `maxMessageSize`) fails the send of a block that large, and the link closes: only a peer asking for
 * more than 65,527 bytes at once meets it (honest requests are `blockBytes`, 32 KiB by default).
 */
export const MAX_BLOCK_BYTES = 64 * 1024;

/** Smallest and largest chunk sizes a manifest may declare. */
export const MIN_CHUNK_BYTES = 16 * 1024;
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Largest file a swarm may carry. Tabs hold no file in memory (the seeder reads its `File` by slices,
 * leechers keep chunks in IndexedDB), so the cap follows storage, not a tab's memory: 16 GiB is
 * `MAX_CHUNK_COUNT` chunks of 1 MiB (`chunkBytesFor`), and more than a school laptop's free disk.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024 * 1024;

/** Length of a SHA-256 digest, in bytes. */
export const SHA256_BYTES = 32;

/**
 * Most chunks a manifest may list: keeps a manifest (about 66 bytes of JSON per chunk) near 1 MiB,
 * under the signalling server's message cap. A 4 GiB file at the default 256 KiB is 16,384 chunks; larger
 * files take larger chunks (`chunkBytesFor`).
 */
export const MAX_CHUNK_COUNT = 16_384;

/**
 * The rates a progress report carries (`uploadBytesPerSec`, its peaks) are bytes moved over a sliding window of this
 * long, divided by its length: a peak can never exceed what the report's byte totals moved in that long, which the
 * server holds reports to (a report's peak sets an uncapped peer's u_i in the bounds every screen shows).
 */
export const RATE_WINDOW_MS = 2000;
