import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import type { WireMessage } from '@swarmlab/protocol';
import type { EventCall } from './event-queue';
import type { VirtualClock } from './virtual-clock';

/**
 * Links between engines on two threads. A send is recorded in an `Outbox` as numbers (arrival time,
 * receiving end, message fields); at each window boundary the outboxes are swapped, and the receiving
 * side queues the messages on its own clock, in arrival order. Only handshakes, bitfields and
 * `have-all`s (a few per link) travel as objects.
 */

/** Numbers per record: arrival ms, receiving end id, kind, three fields. */
const RECORD = 6;
const KIND_CLOSE = 0;
const KIND_OBJECT = 1;
const KIND_HAVE = 2;
const KIND_REQUEST = 3;
const KIND_CANCEL = 4;
const KIND_REJECT = 5;
const KIND_BLOCK = 6;
const KIND_INTERESTED = 7;
const KIND_NOT_INTERESTED = 8;
const KIND_CHOKE = 9;
const KIND_UNCHOKE = 10;

const RANGE_KINDS = { request: KIND_REQUEST, cancel: KIND_CANCEL, reject: KIND_REJECT } as const;
const BARE_KINDS = {
  interested: KIND_INTERESTED,
  'not-interested': KIND_NOT_INTERESTED,
  choke: KIND_CHOKE,
  unchoke: KIND_UNCHOKE,
} as const;
const BARE_TYPES = ['interested', 'not-interested', 'choke', 'unchoke'] as const;

/** One window's messages from one thread, as posted to the other. */
export interface OutboxBatch {
  readonly count: number;
  readonly records: Float64Array<ArrayBuffer>;
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly objects: unknown[];
}

/** Records the messages sent across threads during one window. */
export class Outbox {
  #records = new Float64Array(RECORD * 1024);
  #count = 0;
  #bytes = new Uint8Array(4096);
  #byteCount = 0;
  #objects: unknown[] = [];

  get count(): number {
    return this.#count;
  }

  add(atMs: number, endId: number, message: WireMessage | Uint8Array | undefined): void {
    if (this.#records.length < RECORD * (this.#count + 1)) {
      const grown = new Float64Array(this.#records.length * 2);
      grown.set(this.#records);
      this.#records = grown;
    }
    const r = this.#records;
    const at = RECORD * this.#count++;
    r[at] = atMs;
    r[at + 1] = endId;
    if (message === undefined) {
      r[at + 2] = KIND_CLOSE;
      return;
    }
    if (message instanceof Uint8Array) return this.#object(at, message);
    switch (message.type) {
      case 'have':
        r[at + 2] = KIND_HAVE;
        r[at + 3] = message.chunkIndex;
        return;
      case 'request':
      case 'cancel':
      case 'reject':
        r[at + 2] = RANGE_KINDS[message.type];
        r[at + 3] = message.chunkIndex;
        r[at + 4] = message.offsetBytes;
        r[at + 5] = message.lengthBytes;
        return;
      case 'block': {
        const length = message.bytes.length;
        if (this.#bytes.length < this.#byteCount + length) {
          const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#byteCount + length));
          grown.set(this.#bytes.subarray(0, this.#byteCount));
          this.#bytes = grown;
        }
        this.#bytes.set(message.bytes, this.#byteCount);
        r[at + 2] = KIND_BLOCK;
        r[at + 3] = message.chunkIndex;
        r[at + 4] = message.offsetBytes;
        r[at + 5] = length;
        this.#byteCount += length;
        return;
      }
      case 'interested':
      case 'not-interested':
      case 'choke':
      case 'unchoke':
        r[at + 2] = BARE_KINDS[message.type];
        return;
      default:
        return this.#object(at, message);
    }
  }

  /** Hands over this window's records and starts empty. */
  take(): OutboxBatch {
    const batch: OutboxBatch = {
      count: this.#count,
      records: this.#records.slice(0, RECORD * this.#count),
      bytes: this.#bytes.slice(0, this.#byteCount),
      objects: this.#objects,
    };
    this.#count = 0;
    this.#byteCount = 0;
    this.#objects = [];
    return batch;
  }

  #object(at: number, value: unknown): void {
    this.#records[at + 2] = KIND_OBJECT;
    this.#records[at + 3] = this.#objects.length;
    this.#objects.push(value);
  }
}

/** This thread's end of a link whose other end lives on the other thread. */
export class CrossLinkEnd implements PeerLink {
  readonly remotePeerId: string;
  readonly bufferedBytes = 0;
  handlers: PeerLinkHandlers | undefined = undefined;
  closed = false;
  readonly #clock: VirtualClock;
  readonly #outbox: Outbox;
  readonly #remoteEndId: number;
  readonly #latencyMs: number;

  constructor(clock: VirtualClock, outbox: Outbox, remotePeerId: string, remoteEndId: number, latencyMs: number) {
    this.#clock = clock;
    this.#outbox = outbox;
    this.remotePeerId = remotePeerId;
    this.#remoteEndId = remoteEndId;
    this.#latencyMs = latencyMs;
  }

  send(bytes: Uint8Array): void {
    if (!this.closed) this.#outbox.add(this.#clock.nowMs() + this.#latencyMs, this.#remoteEndId, bytes);
  }

  sendMessage(message: WireMessage): void {
    if (!this.closed) this.#outbox.add(this.#clock.nowMs() + this.#latencyMs, this.#remoteEndId, message);
  }

  attach(handlers: PeerLinkHandlers): void {
    this.handlers = handlers;
  }

  /** Closes this end; each side learns of it one latency later, as over a local pair. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#outbox.add(this.#clock.nowMs() + this.#latencyMs, this.#remoteEndId, undefined);
    this.#clock.after(this.#latencyMs, closeEnd, this, undefined);
  }
}

/** Queues a batch from the other thread on `clock`; `ends` maps an end id to this thread's end. */
export function queueBatch(
  clock: VirtualClock,
  batch: OutboxBatch,
  ends: ReadonlyArray<CrossLinkEnd | undefined>,
): void {
  const { count, records, bytes, objects } = batch;
  const times = new Float64Array(count);
  const calls: EventCall<unknown, unknown>[] = new Array(count);
  const as: unknown[] = new Array(count);
  const bs: unknown[] = new Array(count);
  let byteAt = 0;
  for (let k = 0; k < count; k++) {
    const at = RECORD * k;
    times[k] = records[at]!;
    as[k] = ends[records[at + 1]!];
    calls[k] = deliver as EventCall<unknown, unknown>;
    const kind = records[at + 2]!;
    const x = records[at + 3]!;
    const y = records[at + 4]!;
    const z = records[at + 5]!;
    switch (kind) {
      case KIND_CLOSE:
        calls[k] = remoteClosed as EventCall<unknown, unknown>;
        break;
      case KIND_OBJECT:
        bs[k] = objects[x];
        break;
      case KIND_HAVE:
        bs[k] = { type: 'have', chunkIndex: x };
        break;
      case KIND_REQUEST:
        bs[k] = { type: 'request', chunkIndex: x, offsetBytes: y, lengthBytes: z };
        break;
      case KIND_CANCEL:
        bs[k] = { type: 'cancel', chunkIndex: x, offsetBytes: y, lengthBytes: z };
        break;
      case KIND_REJECT:
        bs[k] = { type: 'reject', chunkIndex: x, offsetBytes: y, lengthBytes: z };
        break;
      case KIND_BLOCK:
        bs[k] = { type: 'block', chunkIndex: x, offsetBytes: y, bytes: bytes.slice(byteAt, byteAt + z) };
        byteAt += z;
        break;
      default:
        bs[k] = { type: BARE_TYPES[kind - KIND_INTERESTED]! };
    }
  }
  clock.mergeSorted(count, times, calls, as, bs);
}

function deliver(to: CrossLinkEnd, payload: WireMessage | Uint8Array): void {
  if (to.closed || !to.handlers) return;
  if (payload instanceof Uint8Array) to.handlers.message(payload);
  else to.handlers.decoded(payload);
}

function remoteClosed(end: CrossLinkEnd): void {
  if (end.closed) return;
  end.closed = true;
  end.handlers?.close('peer left');
}

function closeEnd(end: CrossLinkEnd): void {
  end.handlers?.close('peer left');
}
