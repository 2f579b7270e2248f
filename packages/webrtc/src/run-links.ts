import type { PeerLink } from '@swarmlab/engine';
import {
  decodeRunControl,
  encodeRunControl,
  isRunControl,
  isValidRunNumber,
  MAX_CHUNK_COUNT,
  type RunControl,
} from '@swarmlab/protocol';
import { RunScopedLink } from './run-scoped-link';

/**
 * Most bytes the remote may have us hold for a run we have not opened yet (plus whatever an open run's link
 * holds until it is attached): two seconds of a fast channel, far more than a run's first messages (handshake,
 * bitfield, a few requests). Past it the remote is misbehaving and the transport is closed.
 */
export const DEFAULT_MAX_HELD_BYTES = 16 * 1024 * 1024;

/**
 * Most messages held so, whatever their bytes: each costs about 400 bytes beyond its payload, and one-byte messages
 * piled up 6.5 GB under the byte bound alone (found by review). An honest remote sends at most a `have` per chunk
 * ahead of a run (a classmate completing while this member takes no part), and a few hundred others: four per chunk
 * of the largest file allowed is room enough, about 27 MB held at most.
 */
export const MAX_HELD_MESSAGES = 4 * MAX_CHUNK_COUNT + 1024;

/** Why a run-scoped link closes when the remote left its run (or never joined it). */
export const PEER_LEFT_RUN_REASON = 'the peer left the run';

export interface RunLinksOptions {
  /** See `DEFAULT_MAX_HELD_BYTES`. */
  readonly maxHeldBytes?: number;
  /** Called once when the transport closes (the owner can forget this object). */
  readonly onClose?: (reason: string) => void;
}

/**
 * Runs over one long-lived transport link: each run (one repetition of a transfer experiment, with a fresh
 * engine) gets its own `PeerLink` from `open`, while the transport (a WebRTC data channel, slow to set up)
 * survives from run to run. Run-control messages on the transport mark where each side's runs begin and end
 * (docs/PROTOCOL.md, "Run control (transport level)"); the run's own messages travel unchanged between them.
 *
 * A message from the remote goes to the local link of the run it was sent in: at once if that run is open here,
 * held until `open` if the local side has not reached it yet, dropped if the local side has moved past it.
 * The transport must be reliable and ordered; only its bytes (`send`, `message`) are used.
 */
export class RunLinks {
  readonly #transport: PeerLink;
  readonly #maxHeldBytes: number;
  readonly #onClose: ((reason: string) => void) | undefined;
  #closeReason: string | undefined;

  #localRun = 0;
  /** The link of `#localRun`, until it closes. */
  #current: RunScopedLink | undefined;

  /** The latest run the remote began (0: none yet). */
  #remoteRun = 0;
  /** True between the remote's "begins" and "ends" of `#remoteRun`. */
  #remoteInRun = false;
  /** Messages of `#remoteRun` while it is ahead of `#localRun`. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;

  constructor(transport: PeerLink, options: RunLinksOptions = {}) {
    this.#transport = transport;
    this.#maxHeldBytes = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
    this.#onClose = options.onClose;
    transport.attach({
      message: (bytes) => this.#onMessage(bytes),
      decoded: () => {},
      drain: () => this.#current?.drain(),
      close: (reason) => this.#onTransportClose(reason),
    });
  }

  get remotePeerId(): string {
    return this.#transport.remotePeerId;
  }

  /** True once the transport is gone: every link `open` returns from then on closes at once. */
  get closed(): boolean {
    return this.#closeReason !== undefined;
  }

  /** The latest run opened here (0: none yet). */
  get runNumber(): number {
    return this.#localRun;
  }

  /**
   * Joins run `runNumber` and returns its link, closing the previous run's link. Run numbers are integers in
   * 1 … 2³² − 1, each greater than the last one opened; anything else throws `RangeError`.
   */
  open(runNumber: number): PeerLink {
    if (!isValidRunNumber(runNumber) || runNumber <= this.#localRun)
      throw new RangeError(`run number must be an integer above ${this.#localRun} (and below 2^32), got ${runNumber}`);
    this.#current?.close();
    this.#localRun = runNumber;
    const link = new RunScopedLink({
      runNumber,
      transport: this.#transport,
      onClosed: (closed) => this.#onRunLinkClosed(closed),
    });
    if (this.#closeReason !== undefined) {
      link.end(this.#closeReason);
      return link;
    }
    this.#current = link;
    this.#sendControl({ kind: 'begin', runNumber });
    if (this.#remoteRun === runNumber) {
      for (const bytes of this.#takeHeld()) link.deliver(bytes);
      if (!this.#remoteInRun) link.end(PEER_LEFT_RUN_REASON);
    } else if (this.#remoteRun > runNumber) {
      link.end(PEER_LEFT_RUN_REASON);
    } else {
      this.#takeHeld(); // the remote's run that we skipped
    }
    return link;
  }

  /** Closes the transport (and with it the open run's link). */
  destroy(): void {
    this.#onTransportClose('run links destroyed locally');
    this.#transport.close();
  }

  #onMessage(bytes: Uint8Array): void {
    if (this.#closeReason !== undefined) return;
    if (isRunControl(bytes)) return this.#onControl(bytes);
    if (!this.#remoteInRun || this.#remoteRun < this.#localRun) return;
    if (this.#remoteRun === this.#localRun) this.#current?.deliver(bytes);
    else {
      this.#held.push(bytes);
      this.#heldBytes += bytes.length;
    }
    this.#checkHeldBytes();
  }

  #onControl(bytes: Uint8Array): void {
    const decoded = decodeRunControl(bytes);
    if (!decoded.ok) return this.#fail(`malformed run control: ${decoded.error.message}`);
    const { kind, runNumber } = decoded.control;
    if (kind === 'begin') {
      if (this.#remoteInRun) return this.#fail(`run ${runNumber} began before run ${this.#remoteRun} ended`);
      if (runNumber <= this.#remoteRun) return this.#fail(`run ${runNumber} began after run ${this.#remoteRun}`);
      this.#takeHeld();
      this.#remoteRun = runNumber;
      this.#remoteInRun = true;
      // The remote will never be in our run again: runs only go up.
      if (runNumber > this.#localRun) this.#current?.end(PEER_LEFT_RUN_REASON);
      return;
    }
    if (!this.#remoteInRun || runNumber !== this.#remoteRun)
      return this.#fail(
        `run ${runNumber} ended but the run in progress is ${this.#remoteInRun ? this.#remoteRun : 'none'}`,
      );
    this.#remoteInRun = false;
    if (runNumber === this.#localRun) this.#current?.end(PEER_LEFT_RUN_REASON);
  }

  #onRunLinkClosed(link: RunScopedLink): void {
    if (link !== this.#current) return;
    this.#current = undefined;
    if (this.#closeReason === undefined) this.#sendControl({ kind: 'end', runNumber: link.runNumber });
  }

  #onTransportClose(reason: string): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#takeHeld();
    this.#current?.end(reason);
    this.#onClose?.(reason);
  }

  /** The remote broke the run-control rules or sent too much ahead: close the transport, saying why. */
  #fail(reason: string): void {
    this.#onTransportClose(reason);
    this.#transport.close();
  }

  #checkHeldBytes(): void {
    const heldMessages = this.#held.length + (this.#current?.pendingMessages ?? 0);
    if (heldMessages > MAX_HELD_MESSAGES)
      return this.#fail(`peer sent more than ${MAX_HELD_MESSAGES} messages for a run not yet started here`);
    const heldBytes = this.#heldBytes + (this.#current?.pendingBytes ?? 0);
    if (heldBytes > this.#maxHeldBytes)
      this.#fail(`peer sent more than ${this.#maxHeldBytes} bytes for a run not yet started here`);
  }

  #takeHeld(): Uint8Array[] {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    return held;
  }

  #sendControl(control: RunControl): void {
    this.#transport.send(encodeRunControl(control));
  }
}
