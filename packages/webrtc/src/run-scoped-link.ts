import type { PeerLink, PeerLinkHandlers } from '@swarmlab/engine';
import { isRunControl } from '@swarmlab/protocol';

/** An event waiting for `attach`. */
type PendingEvent =
  | { readonly type: 'message'; readonly bytes: Uint8Array }
  | { readonly type: 'drain' }
  | { readonly type: 'close'; readonly reason: string };

export interface RunScopedLinkDeps {
  readonly runNumber: number;
  /** The long-lived link the run's messages travel on. */
  readonly transport: PeerLink;
  /** Called once, when this link closes for whatever reason, before its handlers hear of it. */
  readonly onClosed: (link: RunScopedLink) => void;
}

/**
 * One run's view of a transport link, handed out by `RunLinks.open`: sends go straight to the transport, and
 * the multiplexer feeds it the remote's messages for this run. Closing it never closes the transport.
 */
export class RunScopedLink implements PeerLink {
  readonly runNumber: number;
  readonly #deps: RunScopedLinkDeps;
  #handlers: PeerLinkHandlers | undefined;
  readonly #pending: PendingEvent[] = [];
  #pendingBytes = 0;
  #pendingMessages = 0;
  #closed = false;

  constructor(deps: RunScopedLinkDeps) {
    this.#deps = deps;
    this.runNumber = deps.runNumber;
  }

  get remotePeerId(): string {
    return this.#deps.transport.remotePeerId;
  }

  get bufferedBytes(): number {
    return this.#deps.transport.bufferedBytes;
  }

  get copiesOnSend(): boolean {
    return this.#deps.transport.copiesOnSend === true;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes of messages received but held until `attach`. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Messages waiting for `attach`. */
  get pendingMessages(): number {
    return this.#pendingMessages;
  }

  /** Sends one message of this run; a no-op once closed. Throws `RangeError` on bytes that look like run control. */
  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (isRunControl(bytes)) throw new RangeError('a run’s message may not start with the run-control tag');
    this.#deps.transport.send(bytes);
  }

  attach(handlers: PeerLinkHandlers): void {
    this.#handlers = handlers;
    // One at a time: a handler may close the link, which discards what is still pending.
    while (this.#handlers === handlers && this.#pending.length > 0) {
      const event = this.#pending.shift()!;
      if (event.type === 'message') {
        this.#pendingBytes -= event.bytes.length;
        this.#pendingMessages--;
      }
      this.#dispatch(handlers, event);
    }
  }

  /** Leaves the run: the multiplexer tells the remote so. Messages not yet delivered are discarded. */
  close(): void {
    if (this.#closed) return;
    this.#pending.length = 0;
    this.#pendingBytes = 0;
    this.#pendingMessages = 0;
    this.end('closed locally');
  }

  /** A message of this run from the remote. */
  deliver(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#emit({ type: 'message', bytes });
  }

  /** The transport's send queue drained. */
  drain(): void {
    if (this.#closed) return;
    this.#emit({ type: 'drain' });
  }

  /** Closes the link with `reason`, after the messages already received. */
  end(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deps.onClosed(this);
    this.#emit({ type: 'close', reason });
  }

  #emit(event: PendingEvent): void {
    if (this.#handlers && this.#pending.length === 0) return this.#dispatch(this.#handlers, event);
    this.#pending.push(event);
    if (event.type === 'message') {
      this.#pendingBytes += event.bytes.length;
      this.#pendingMessages++;
    }
  }

  #dispatch(handlers: PeerLinkHandlers, event: PendingEvent): void {
    switch (event.type) {
      case 'message':
        return handlers.message(event.bytes);
      case 'drain':
        return handlers.drain();
      case 'close':
        return handlers.close(event.reason);
    }
  }
}
