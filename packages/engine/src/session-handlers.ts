import type { WireMessage } from '@swarmlab/protocol';
import type { PeerLinkHandlers } from './peer-link';
import type { PeerSession } from './peer-session';
import type { SwarmEngine } from './swarm-engine';

/** What a link's events do to its engine: the engine's private handlers, registered once by `SwarmEngine`. */
export interface SessionRoutes {
  message(engine: SwarmEngine, session: PeerSession, bytes: Uint8Array): void;
  decoded(engine: SwarmEngine, session: PeerSession, message: WireMessage): void;
  drain(engine: SwarmEngine, session: PeerSession): void;
  close(engine: SwarmEngine, session: PeerSession, reason: string): void;
}

let routes: SessionRoutes;

/** Called once, by `SwarmEngine`'s static block. */
export function routeSessionsTo(engineRoutes: SessionRoutes): void {
  routes = engineRoutes;
}

/**
 * One link's handlers: a plain object holding its engine and session, with shared methods, rather than
 * four closures over them. Every message goes through it; in a simulated swarm of a thousand engines
 * each pointer followed per message is a likely cache miss, and a closure adds two.
 */
export class SessionHandlers implements PeerLinkHandlers {
  readonly #engine: SwarmEngine;
  readonly #session: PeerSession;

  constructor(engine: SwarmEngine, session: PeerSession) {
    this.#engine = engine;
    this.#session = session;
  }

  message(bytes: Uint8Array): void {
    routes.message(this.#engine, this.#session, bytes);
  }

  decoded(message: WireMessage): void {
    routes.decoded(this.#engine, this.#session, message);
  }

  drain(): void {
    routes.drain(this.#engine, this.#session);
  }

  close(reason: string): void {
    routes.close(this.#engine, this.#session, reason);
  }
}
