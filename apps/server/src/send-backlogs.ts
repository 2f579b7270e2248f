import type { AddressKey } from './address-quotas';
import type { ClockMs } from './clock-ms';
import type { ServerLimits } from './limits';

export type SendBacklogLimits = Pick<ServerLimits, 'maxSocketBacklogBytes' | 'maxAddressBacklogBytes'>;

/** Packets queued for one socket past which it is taken as not reading, whatever their bytes (tiny answers). */
export const MAX_QUEUED_PACKETS = 10_000;

/** Least time between two sums of an address's backlogs: one per socket each time. */
export const ADDRESS_CHECK_INTERVAL_MS = 250;

/** What one connection has waiting below engine.io's write buffer, read when asked (O(1)). */
export interface ConnectionQueue {
  /** Packets in engine.io's write buffer (its bytes are counted as they come and go: `queued`, `flushed`). */
  readonly writeBufferPackets: number;
  /** Bytes the transport holds unsent (the websocket's `bufferedAmount`). */
  readonly transportBufferedBytes: number;
}

/** Why a connection is closed: its own backlog, or its share of its address's. */
export type BacklogOverflow = 'socket' | 'address';

/** One connection's backlog, as its connection reports packets queued and flushed. */
export interface SendBacklog {
  /** A packet of `bytes` is queued for the client: checks the bounds (closing what is past them). */
  queued(bytes: number): void;
  /** Packets of `bytes` in all left engine.io's write buffer for the transport. */
  flushed(bytes: number): void;
  /** The connection is gone. */
  close(): void;
}

/**
 * What the server holds queued for each client, by connection and by address. A client that reads nothing
 * made the server buffer without limit (each `swarm:watch` answer carries the whole manifest), and many
 * sockets of one address, each within its own bound, could hold gigabytes together. Past
 * `maxSocketBacklogBytes` a connection is closed; past `maxAddressBacklogBytes` for its address, the address's
 * largest holders are, until it is back within it (not whichever socket happened to get the next packet: a
 * classmate's, behind the NAT of the one hoarding).
 *
 * Every count is kept as packets come and go, so a check costs O(1) per packet, and an address's sum one read
 * per socket at most every `ADDRESS_CHECK_INTERVAL_MS`: a walk of every queue on each packet let one address's
 * parked packets stall the event loop.
 */
export class SendBacklogs {
  readonly #limits: SendBacklogLimits;
  readonly #nowMs: ClockMs;
  readonly #addresses = new Map<AddressKey, AddressBacklogs>();

  constructor(limits: SendBacklogLimits, nowMs: ClockMs) {
    this.#limits = limits;
    this.#nowMs = nowMs;
  }

  /** Tracks a connection of `address`; `overflow` closes it (discarding what is queued). */
  open(address: AddressKey, queue: ConnectionQueue, overflow: (why: BacklogOverflow) => void): SendBacklog {
    const entry: AddressBacklogs = this.#addresses.get(address) ?? {
      backlogs: new Set<TrackedBacklog>(),
      checkedAtMs: -Infinity,
      recheck: undefined,
    };
    this.#addresses.set(address, entry);
    const maxSocketBytes = this.#limits.maxSocketBacklogBytes;
    const checkAddress = (): void => this.#checkAddress(entry);
    const forgetAddress = (): void => {
      if (this.#addresses.get(address) === entry) this.#addresses.delete(address);
    };
    const tracked: TrackedBacklog = {
      writeBufferBytes: 0,
      closed: false,
      bytes: (creating = 0) =>
        queue.writeBufferPackets + creating > MAX_QUEUED_PACKETS
          ? Infinity
          : tracked.writeBufferBytes + queue.transportBufferedBytes,
      overflow(why) {
        if (tracked.closed) return;
        tracked.close();
        overflow(why);
      },
      queued(bytes) {
        if (tracked.closed) return;
        tracked.writeBufferBytes += bytes;
        // Told as the packet is made, before engine.io queues it: it counts as queued.
        if (tracked.bytes(1) > maxSocketBytes) return tracked.overflow('socket');
        checkAddress();
      },
      flushed(bytes) {
        tracked.writeBufferBytes = Math.max(0, tracked.writeBufferBytes - bytes);
      },
      close() {
        if (tracked.closed) return;
        tracked.closed = true;
        entry.backlogs.delete(tracked);
        if (entry.backlogs.size > 0) return;
        clearTimeout(entry.recheck);
        entry.recheck = undefined;
        forgetAddress();
      },
    };
    entry.backlogs.add(tracked);
    return tracked;
  }

  /** Addresses with a connection tracked. */
  get size(): number {
    return this.#addresses.size;
  }

  /**
   * Sums the address's backlogs, unless it did within the interval: then once the interval is over (what a burst
   * of packets queued after the last sum would otherwise wait for the next ping, 25 s, to be summed).
   */
  #checkAddress(entry: AddressBacklogs): void {
    const nowMs = this.#nowMs();
    const waitMs = entry.checkedAtMs + ADDRESS_CHECK_INTERVAL_MS - nowMs;
    if (waitMs > 0) {
      entry.recheck ??= setTimeout(() => {
        entry.recheck = undefined;
        if (entry.backlogs.size > 0) this.#checkAddress(entry);
      }, waitMs);
      entry.recheck.unref?.();
      return;
    }
    entry.checkedAtMs = nowMs;
    const holders: { readonly backlog: TrackedBacklog; readonly bytes: number }[] = [];
    for (const backlog of entry.backlogs) {
      const bytes = backlog.bytes();
      // Past its own bound (its packets' count, say, between two of its own): that one only, by its own rule. An
      // Infinity in the sum made it NaN, and every socket of the address was closed (found by review).
      if (bytes > this.#limits.maxSocketBacklogBytes) backlog.overflow('socket');
      else holders.push({ backlog, bytes });
    }
    let total = holders.reduce((sum, holder) => sum + holder.bytes, 0);
    if (total <= this.#limits.maxAddressBacklogBytes) return;
    holders.sort((a, b) => b.bytes - a.bytes);
    for (const holder of holders) {
      if (total <= this.#limits.maxAddressBacklogBytes) break;
      total -= holder.bytes;
      holder.backlog.overflow('address');
    }
  }
}

interface AddressBacklogs {
  readonly backlogs: Set<TrackedBacklog>;
  checkedAtMs: number;
  /** The sum due once the interval since the last is over. */
  recheck: ReturnType<typeof setTimeout> | undefined;
}

interface TrackedBacklog extends SendBacklog {
  writeBufferBytes: number;
  closed: boolean;
  /** Its backlog, with `creating` more packets about to be queued; Infinity past `MAX_QUEUED_PACKETS`. */
  bytes(creating?: number): number;
  overflow(why: BacklogOverflow): void;
}
