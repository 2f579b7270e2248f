import { MAX_CHUNK_COUNT, MAX_RESUMED_PARTICIPANTS } from '@swarmlab/protocol';

/**
 * Caps that keep one signalling server usable by a classroom while bounding what a misbehaving or
 * hostile client can cost it. Every cap can be changed through `createSignallingServer({ limits })`
 * (the tests lower them, to stay fast).
 */
export interface ServerLimits {
  /** Members of one swarm, the creator included; a join past it is refused with `swarm-full`. */
  readonly maxPeersPerSwarm: number;
  /** Swarms alive at once; a create past it is refused with `too-many-swarms`. */
  readonly maxSwarms: number;
  /**
   * Largest socket.io packet accepted (its `maxHttpBufferSize`); socket.io disconnects a client that
   * sends more. Also the cap on a `swarm:create` request, the only large one since it carries the
   * manifest.
   */
  readonly maxEventBytes: number;
  /**
   * Cap on every other request (`swarm:join`, `swarm:watch`, `swarm:leave`, `signal:send`,
   * `progress:report`, `run:start`, `run:stop`, `peer:configure`), in UTF-8 bytes of its JSON.
   */
  readonly maxSignalPayloadBytes: number;
  /** Sustained requests per second per socket (token bucket refill rate). */
  readonly messagesPerSec: number;
  /** Requests a socket may send at once before the sustained rate applies (token bucket capacity). */
  readonly messageBurst: number;
  /** Least time between two `swarm:progress` broadcasts to one swarm; changes in between coalesce. */
  readonly progressBroadcastIntervalMs: number;
  /**
   * Sockets watching one swarm (`swarm:watch`); one past it is refused with `too-many-watchers`, unless it
   * presents the control secret (the teacher's screen; the per-address connection limit bounds those).
   */
  readonly maxWatchersPerSwarm: number;
  /**
   * Of those, watchers from one network address without the control secret; one more is refused
   * `too-many-watchers-from-address`, so that one address holding the link cannot keep the projector out.
   */
  readonly maxWatchersPerAddressInSwarm: number;
  /** Deepest nesting of a request's payload; a deeper one is refused with `payload-too-deep`, unread. */
  readonly maxPayloadDepth: number;
  /**
   * Sustained bytes per second a socket may send (its byte budget's refill): every frame is charged its
   * length plus `FRAME_COST_FLOOR_BYTES`, before socket.io parses it, whatever the event.
   */
  readonly receivedBytesPerSec: number;
  /**
   * Bytes a socket may send at once (its byte budget's capacity; it starts full). In debt, every event is
   * refused `rate-limited`; a socket that runs up a debt of a whole burst more is disconnected.
   */
  readonly receivedByteBurst: number;
  /**
   * Sustained bytes per second all sockets of one address may send together, charged like a socket's:
   * a socket dropped for its debt cannot start afresh by reconnecting, since its address still owes.
   */
  readonly receivedBytesPerSecPerAddress: number;
  /**
   * Bytes all sockets of one address may send at once. While the address owes bytes its events are
   * refused `rate-limited` and its new connections too; a socket that sends it a whole burst more into
   * debt is disconnected.
   */
  readonly receivedByteBurstPerAddress: number;
  /**
   * How long a member whose signalling connection dropped keeps its place (no `peer:left`, its WebRTC
   * connections and run go on) for it to resume on a new connection; and how long a run registered again
   * after a restart waits for the participants it lists.
   */
  readonly memberGraceMs: number;
  /** socket.io connections from one network address (`clientAddress`); more are refused `too-many-connections`. */
  readonly maxConnectionsPerAddress: number;
  /**
   * engine.io connections (the websocket under a socket.io connection, before it asks for one) from one address,
   * by `clientAddress` of what is known then (the TCP peer, the headers; not `auth`): more are refused at the
   * websocket handshake (HTTP 403).
   */
  readonly maxEngineConnectionsPerAddress: number;
  /**
   * Bytes the server may hold queued for one socket (engine.io's write buffer and the websocket's): past them
   * the socket's connection is closed, as a network drop is (a member keeps its place for the grace period).
   * A client that does not read made the server buffer without limit: each `swarm:watch` answer carries the
   * whole manifest, up to a megabyte.
   */
  readonly maxSocketBacklogBytes: number;
  /**
   * Bytes the server may hold queued for all sockets of one address together: past them, the address's largest
   * holders are closed as above (`send-backlogs.ts`). Each of many sockets, each within its own bound, could
   * otherwise make the server hold gigabytes.
   */
  readonly maxAddressBacklogBytes: number;
  /** Swarms alive that sockets of one address created; one more is refused `too-many-swarms-from-address`. */
  readonly maxSwarmsPerAddress: number;
  /** Members of one swarm from one address; one more is refused `swarm-full-for-address`. */
  readonly maxPeersPerAddressInSwarm: number;
  /**
   * Join-code lookups that named no swarm one address may make at once; past them every lookup from it
   * is refused `too-many-code-lookups` until its budget refills.
   */
  readonly failedCodeLookupBurstPerAddress: number;
  /** The refill of that budget, in failed lookups per hour. */
  readonly failedCodeLookupsPerHourPerAddress: number;
  /**
   * Bytes of large answers sent to one address per second, sustained: `swarm:join` (the manifest) and `swarm:watch`
   * (the manifest and the progress table). Past its burst such a request is refused `rate-limited` until the debt
   * is repaid (`answer-budgets.ts`).
   */
  readonly answerBytesPerSecPerAddress: number;
  /** That budget's capacity. */
  readonly answerByteBurstPerAddress: number;
  /**
   * Bytes of signals (`signal:relay`) one socket may have relayed to another at once (`relay-budgets.ts`): past them
   * a `signal:send` from it to that socket is refused `rate-limited`, and that socket is sent nothing, until the
   * budget refills. Each (sender, target) pair has its own, so that other members' floods never use up an honest
   * member's.
   */
  readonly relayByteBurstPerPair: number;
  /** That budget's refill, in bytes per second. */
  readonly relayBytesPerSecPerPair: number;
}

/**
 * 64 tabs fit a classroom in one swarm. Each join sends the peer list to the newcomer and one
 * `peer:joined` to every member, so the cap also bounds the fan-out of a single request.
 */
export const DEFAULT_MAX_PEERS_PER_SWARM = 64;

/**
 * Each swarm keeps its manifest in memory: the largest (`MAX_CHUNK_COUNT` chunk hashes) holds about 1.5 MB of
 * heap (measured: 40 of them held 60 MB), so 320 swarms of it stay under half a gigabyte, within Node's default
 * heap on a 4 GB teacher's laptop (1,000 could take 1.5 GB, found by review); ten classrooms of 32 pairs each
 * sharing its own file.
 */
export const DEFAULT_MAX_SWARMS = 320;

/**
 * What the largest valid `swarm:resume` needs: a resumed run listing `MAX_RESUMED_PARTICIPANTS` participants and
 * the controller's `controlLinks` for as many members (224 and 194 bytes each at their longest), and 8 KiB for the
 * rest; 115,200 bytes (the largest resume measures about 105 KB). Past `maxSignalPayloadBytes` (80 KiB), the largest
 * controller's resume was refused `payload-too-large`.
 */
export const MAX_RESUME_PAYLOAD_BYTES = MAX_RESUMED_PARTICIPANTS * (224 + 194) + 8 * 1024;

/**
 * What the largest valid message needs, and no more: a `swarm:restore` (a tab registering its swarm again
 * after a restart), whose manifest lists `MAX_CHUNK_COUNT` (16,384) SHA-256s, 67 bytes each in JSON (64 hex
 * digits, quotes, comma), 1,097,728 bytes, whose resumed run lists up to `MAX_RESUMED_PARTICIPANTS` (256)
 * participants, 224 bytes each at their longest (210 with their settings in the run), and whose `controlLinks`
 * list as many members' links, 194 bytes each at their longest; 8 KiB more holds everything else (a 255-character
 * name is at most 765 bytes of UTF-8, the keys, seal, run config and settings a few hundred, socket.io's framing a
 * few dozen): the manifest and the largest resume (`MAX_RESUME_PAYLOAD_BYTES`). 1,212,928 bytes, about 1.16 MiB (the largest restore measures 1,202,978): a larger packet cannot be
 * a valid request, so socket.io disconnects its sender unread. Sized for `swarm:create` alone, the cap cut off the
 * largest restores, and their tabs could never register their swarm again (found by review).
 */
export const DEFAULT_MAX_EVENT_BYTES = MAX_CHUNK_COUNT * 67 + MAX_RESUME_PAYLOAD_BYTES;

/**
 * The protocol's schema already caps an SDP at 64 Ki characters; an SDP is ASCII, and in JSON its CRLF
 * line ends are escaped (a few percent longer), so this cap sits a little above it. It counts bytes, not
 * characters: 64 Ki characters of 3-byte UTF-8 (196,608 bytes) are refused. It exists to refuse junk
 * cheaply, before the schema parses it, and to keep relayed messages small.
 */
export const DEFAULT_MAX_SIGNAL_PAYLOAD_BYTES = 80 * 1024;

/**
 * Trickle ICE sends a burst of candidates per connection as they are gathered, and a newcomer may
 * open connections to many peers at once: a burst of 200 absorbs that, while 100 per second sustained
 * is far above what signalling needs and far below what would load the server (about 24k relayed
 * messages per second on two cores, measured).
 */
export const DEFAULT_MESSAGES_PER_SEC = 100;
export const DEFAULT_MESSAGE_BURST = 200;

/**
 * Every tab reports its progress every `PROGRESS_REPORT_INTERVAL_MS` (300 ms), so a swarm of n tabs
 * changes about 3.3n times a second; broadcasting on each change would send 3.3n² progress tables a
 * second. One broadcast per swarm per 250 ms, a little faster than the report rate, shows every tab's
 * latest report within a quarter of a second of it being made (a run's progress moves smoothly) and
 * sends 4 tables a second to each of the n members and w watchers, whatever the report rate. Measured
 * for 64 tabs sharing a 100 MB file (400 chunks): a table is about 29 KB (a row per member, its chunk
 * bitmap included; about 110 KB for a 2 GiB file) plus about 13 KB for the latest run, so
 * 4 × (64 + 1) × 42 KB ≈ 11 MB/s at most. Only the latest run travels: finished runs are kept by each
 * screen that saw them finish (in the browser), so the table does not grow run after run.
 */
export const DEFAULT_PROGRESS_BROADCAST_INTERVAL_MS = 250;

/**
 * An overview screen (a projector, the teacher's laptop, a phone) watches a swarm without being a
 * peer; a classroom needs a handful. Each watcher costs one more progress table per broadcast, so 16
 * bounds that fan-out at a quarter of a full swarm's while leaving plenty for any real classroom.
 */
export const DEFAULT_MAX_WATCHERS_PER_SWARM = 16;

/**
 * Half of those: a classroom behind one address still opens 8 screens, and one address holding the link
 * (a prankster's script) leaves 8 for the rest, the projector among them.
 */
export const DEFAULT_MAX_WATCHERS_PER_ADDRESS_IN_SWARM = 8;

/**
 * How deep the deepest valid request nests: a `swarm:resume` or `swarm:restore` whose resumed run lists its
 * participants with their settings (request → run → participants → participant → settings: 5). A `swarm:create`
 * (request → manifest → hash list) is 3, which this said was the deepest (found by review).
 */
export const DEEPEST_VALID_REQUEST_DEPTH = 5;

/**
 * 16 leaves room for the protocol to grow (`DEEPEST_VALID_REQUEST_DEPTH` is 5) while a 5,000-deep payload is refused
 * after 17 steps.
 */
export const DEFAULT_MAX_PAYLOAD_DEPTH = 16;

/**
 * An honest tab sends a progress report about three times a second (under 3 KB with the largest file's
 * chunk bitmap: about 10 KB/s) and, now and then, a burst of WebRTC signals (a few KB per peer). 64 KiB/s
 * is six times that, and bounds what any socket makes the server parse and validate: the largest valid
 * manifest once every 17 s, where re-sending it every 10 ms kept a core busy.
 */
export const DEFAULT_RECEIVED_BYTES_PER_SEC = 64 * 1024;

/** Two of the largest valid messages: a tab shares a file, leaves, and shares another at once. */
export const DEFAULT_RECEIVED_BYTE_BURST = 2 * DEFAULT_MAX_EVENT_BYTES;

/**
 * Every frame costs the server the same fixed work whatever its size (decoding, dispatch, an answer), so
 * each is charged at least this many bytes on top of its length: 64 KiB/s then allows 128 tiny frames a
 * second, above the request rate (100/s), and a flood of tiny events runs into debt like a flood of big
 * ones.
 */
export const FRAME_COST_FLOOR_BYTES = 512;

/**
 * A classroom behind one NAT address: 48 tabs reporting their progress with the largest file, each naming 63
 * classmates it sent to (`sentTo`), send up to 1.14 MB/s (about 7 KB per report, charged the frame floor on top, 3.3
 * reports a second). 3 MiB/s per address holds that with room to spare (1 MiB/s did not: found by review), while
 * bounding what one address makes the server parse and validate however many sockets it opens and reopens (the
 * largest valid manifest about three times a second).
 */
export const DEFAULT_RECEIVED_BYTES_PER_SEC_PER_ADDRESS = 3 * 1024 * 1024;

/**
 * Sixteen of the largest valid requests: a classroom sharing files and joining all at once (each
 * newcomer signalling to every peer) stays within it.
 */
export const DEFAULT_RECEIVED_BYTE_BURST_PER_ADDRESS = 16 * DEFAULT_MAX_EVENT_BYTES;

/**
 * A classroom often shares one NAT address: 30 students with a few tabs each, plus overview screens,
 * stay far below 256, while one script can no longer open thousands (each costs the server about 11 KB
 * of heap and a share of every broadcast). Behind a reverse proxy every client has the proxy's address:
 * `--trust-proxy` counts each by the address the proxy appended (`lastForwardedAddress`).
 */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256;

/**
 * Twice the socket.io connections: a client socket.io turns away (`too-many-connections`, with its message)
 * closes its engine.io connection at once, so an honest address never nears this; one that does not close it,
 * or never asks for a socket.io connection, was held until socket.io's connect time-out and counted nowhere: a
 * script could hold thousands (found by review).
 */
export const DEFAULT_MAX_ENGINE_CONNECTIONS_PER_ADDRESS = 2 * DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;

/**
 * Sixteen of the largest answers (a `swarm:watch` of a 16,384-chunk manifest is 1.1 MB), or some 40 s of a full
 * swarm's progress tables for its largest files: far more than a tab that reads, even slowly, has waiting; a
 * bound on one that does not.
 */
export const DEFAULT_MAX_SOCKET_BACKLOG_BYTES = 16 * DEFAULT_MAX_EVENT_BYTES;

/** Four sockets' worth: a class behind one address reading slowly holds far less, 256 sockets not reading 4.6 GB. */
export const DEFAULT_MAX_ADDRESS_BACKLOG_BYTES = 4 * DEFAULT_MAX_SOCKET_BACKLOG_BYTES;

/**
 * Each swarm holds its manifest (up to about 1.5 MB of heap): one address may keep 64 alive (a class of 40 behind
 * one NAT address where every student shares a file of their own: at 32 the 33rd was refused, and could not end a
 * classmate's swarm as the refusal asked), not the whole server's `maxSwarms`.
 */
export const DEFAULT_MAX_SWARMS_PER_ADDRESS = 64;

/**
 * A classroom of up to 48 tabs behind one address fits one swarm, yet one address holding a leaked link
 * cannot take all 64 seats: 16 stay for the other addresses.
 */
export const DEFAULT_MAX_PEERS_PER_ADDRESS_IN_SWARM = 48;

/**
 * Wi-Fi roaming, a laptop lid closed for a moment, a server restarted: socket.io's client reconnects within
 * 1 to 5 s of backoff (more attempts while the server is down), so 30 s spares several attempts; a tab
 * closed for good is told to the others that much later (a closing tab says \`swarm:leave\` at once).
 */
export const DEFAULT_MEMBER_GRACE_MS = 30_000;

/**
 * A class behind one NAT address shares this budget, so it allows a few mistyped codes per student at
 * once (the link and its QR code stay for anyone locked out), while it bounds what trying codes can find:
 * docs/TRUST.md has the arithmetic (31^6 codes; at most about 1,500 tries per address per day).
 */
export const DEFAULT_FAILED_CODE_LOOKUP_BURST_PER_ADDRESS = 20;

/** One more failed lookup a minute: a student who mistyped twice waits a minute, a guesser waits forever. */
export const DEFAULT_FAILED_CODE_LOOKUPS_PER_HOUR_PER_ADDRESS = 60;

/**
 * Eight of the largest manifests a second: a classroom behind one address joining one after another, a screen
 * reconnecting, at a few megabytes of serialization a second; a loop of watch and leave made it a gigabyte.
 */
export const DEFAULT_ANSWER_BYTES_PER_SEC_PER_ADDRESS = 8 * DEFAULT_MAX_EVENT_BYTES;

/**
 * 48 tabs of one classroom (its seats in a swarm) joining and 16 screens watching a swarm of the largest file all
 * at once: a manifest each, 16 tables of a full swarm (110 KB at most), and room to spare.
 */
export const DEFAULT_ANSWER_BYTE_BURST_PER_ADDRESS = 72 * DEFAULT_MAX_EVENT_BYTES;

/**
 * The largest valid ICE candidate signal as JSON, rounded up: its strings at their schema caps (1,024, 64 and 256
 * characters) and its keys come to about 1.4 KB.
 */
export const LARGEST_CANDIDATE_SIGNAL_BYTES = 1536;

/**
 * ICE candidates one connection's signalling carries, generously: a tab gathers a host candidate per interface, and
 * a reflexive and a relay one with STUN and TURN, a handful in all.
 */
export const CANDIDATES_PER_CONNECTION = 16;

/**
 * One try at the largest valid sizes, the largest offer or answer and 16 of the largest candidates, 106,496 bytes;
 * a real try is some 5 KB (an SDP of about a kilobyte, candidates of some 250 bytes), so that a tab's 4 tries of one
 * peer fit twice over with their offers crossed (each side offering, then answering the other's). A socket has every
 * other member of its swarm as senders, 63 at most (`maxPeersPerSwarm`), so all of them together relay it at most
 * 6,709,248 bytes at once, a third of what the server queues for it (`maxSocketBacklogBytes`; relay-budgets.test
 * holds it so). Before, one budget per target held what all senders together relayed to it: 12 to 16 members each
 * sending 57 small signals a second, within their own budgets, kept it below one real offer, and newcomers' offers
 * to the seeder were refused (16: every one; found by review). Each pair is kept in its sender's process, so with several
 * processes (Redis) the bound does not multiply by their number.
 */
export const DEFAULT_RELAY_BYTE_BURST_PER_PAIR =
  DEFAULT_MAX_SIGNAL_PAYLOAD_BYTES + CANDIDATES_PER_CONNECTION * LARGEST_CANDIDATE_SIGNAL_BYTES;

/**
 * The burst again every 20 s (5,324.8 bytes a second): a tab tries one peer again 1 to 3 s after a failed try, then
 * later and later (`MAX_CONNECT_ATTEMPTS`, packages/webrtc), each try waiting up to 20 s, and the seeder every 15 to
 * 45 s; all 63 senders of a flooded socket together send it some 330 KB/s at most, sustained.
 */
export const DEFAULT_RELAY_BYTES_PER_SEC_PER_PAIR = DEFAULT_RELAY_BYTE_BURST_PER_PAIR / 20;

export const DEFAULT_LIMITS: ServerLimits = {
  memberGraceMs: DEFAULT_MEMBER_GRACE_MS,
  maxPeersPerSwarm: DEFAULT_MAX_PEERS_PER_SWARM,
  maxSwarms: DEFAULT_MAX_SWARMS,
  maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
  maxSignalPayloadBytes: DEFAULT_MAX_SIGNAL_PAYLOAD_BYTES,
  messagesPerSec: DEFAULT_MESSAGES_PER_SEC,
  messageBurst: DEFAULT_MESSAGE_BURST,
  progressBroadcastIntervalMs: DEFAULT_PROGRESS_BROADCAST_INTERVAL_MS,
  maxWatchersPerSwarm: DEFAULT_MAX_WATCHERS_PER_SWARM,
  maxWatchersPerAddressInSwarm: DEFAULT_MAX_WATCHERS_PER_ADDRESS_IN_SWARM,
  maxPayloadDepth: DEFAULT_MAX_PAYLOAD_DEPTH,
  receivedBytesPerSec: DEFAULT_RECEIVED_BYTES_PER_SEC,
  receivedByteBurst: DEFAULT_RECEIVED_BYTE_BURST,
  receivedBytesPerSecPerAddress: DEFAULT_RECEIVED_BYTES_PER_SEC_PER_ADDRESS,
  receivedByteBurstPerAddress: DEFAULT_RECEIVED_BYTE_BURST_PER_ADDRESS,
  maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  maxEngineConnectionsPerAddress: DEFAULT_MAX_ENGINE_CONNECTIONS_PER_ADDRESS,
  maxSocketBacklogBytes: DEFAULT_MAX_SOCKET_BACKLOG_BYTES,
  maxAddressBacklogBytes: DEFAULT_MAX_ADDRESS_BACKLOG_BYTES,
  maxSwarmsPerAddress: DEFAULT_MAX_SWARMS_PER_ADDRESS,
  maxPeersPerAddressInSwarm: DEFAULT_MAX_PEERS_PER_ADDRESS_IN_SWARM,
  failedCodeLookupBurstPerAddress: DEFAULT_FAILED_CODE_LOOKUP_BURST_PER_ADDRESS,
  failedCodeLookupsPerHourPerAddress: DEFAULT_FAILED_CODE_LOOKUPS_PER_HOUR_PER_ADDRESS,
  answerBytesPerSecPerAddress: DEFAULT_ANSWER_BYTES_PER_SEC_PER_ADDRESS,
  answerByteBurstPerAddress: DEFAULT_ANSWER_BYTE_BURST_PER_ADDRESS,
  relayByteBurstPerPair: DEFAULT_RELAY_BYTE_BURST_PER_PAIR,
  relayBytesPerSecPerPair: DEFAULT_RELAY_BYTES_PER_SEC_PER_PAIR,
};

/** The longest delay a timer keeps: Node fires a longer one at once (a 30-day grace gave a dropped tab up at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The defaults with `overrides` applied; throws a `RangeError` on a cap that is not a positive number, a count
 * (`max…`) that is not whole (0.2 peers per swarm made every `swarm:create` an internal error), a delay (`…Ms`)
 * longer than a timer keeps, or a cap that refuses valid requests (a `maxPayloadDepth` under 5 refused every tab's
 * `swarm:resume` in a run, `payload-too-deep`).
 */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new RangeError(`server limit ${name} must be a positive number, got ${String(value)}`);
    }
    if (name.startsWith('max') && !Number.isInteger(value))
      throw new RangeError(`server limit ${name} must be a whole number, got ${value}`);
    if (name.endsWith('Ms') && value > MAX_TIMER_MS)
      throw new RangeError(`server limit ${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${value}`);
  }
  for (const name of ['receivedByteBurst', 'receivedByteBurstPerAddress'] as const) {
    if (limits[name] < limits.maxEventBytes + FRAME_COST_FLOOR_BYTES) {
      throw new RangeError(`server limit ${name} must hold one largest event (maxEventBytes) and its frame cost`);
    }
  }
  if (limits.maxPayloadDepth < DEEPEST_VALID_REQUEST_DEPTH)
    throw new RangeError(
      `server limit maxPayloadDepth must be at least ${DEEPEST_VALID_REQUEST_DEPTH}, the nesting of a valid swarm:resume ` +
        `(its run's participants and their settings), got ${limits.maxPayloadDepth}`,
    );
  // Smaller, the largest valid signal could never be relayed, however long its sender waited.
  if (limits.relayByteBurstPerPair < limits.maxSignalPayloadBytes)
    throw new RangeError('server limit relayByteBurstPerPair must hold one largest signal (maxSignalPayloadBytes)');
  return limits;
}
