import type { Bitfield, WireMessage } from '@swarmlab/protocol';
import type { EngineConfig } from './engine-config';
import type { SwarmEngineDeps } from './engine-deps';
import type { DropReason, SwarmEngineEvents } from './engine-events';
import type { NamedTimers } from './named-timers';
import type { PeerHoldings } from './peer-holdings';
import type { PeerSession } from './peer-session';
import type { PiecePicker } from './piece-picker';
import type { SuperSeeder } from './super-seeder';
import type { SwarmMode } from './swarm-mode';
import type { TypedEvents } from './typed-events';

/**
 * What the parts of a `SwarmEngine` (downloader, uploader, choking) share: the swarm as this peer sees
 * it, and the two ways to act on a peer. One object, built by the engine, passed to each part.
 */
export interface SwarmState {
  readonly deps: SwarmEngineDeps;
  readonly config: EngineConfig;
  readonly mode: SwarmMode;
  readonly events: TypedEvents<SwarmEngineEvents>;
  readonly timers: NamedTimers;
  /** Chunks we hold, verified. */
  readonly have: Bitfield;
  readonly picker: PiecePicker;
  /** Which chunks each connected peer has announced. */
  readonly holdings: PeerHoldings;
  /** Connected peers by id (closed ones are removed). */
  readonly sessions: Map<string, PeerSession>;
  /** Set while this seeder hides its chunks (p2p seeders only). */
  readonly superSeeder: SuperSeeder | undefined;
  /** Set by the engine's `destroy` (the parts only read it): nothing more is sent or scheduled. */
  destroyed: boolean;
  /** Sends one message, unless the peer is closed. */
  send(session: PeerSession, message: WireMessage): void;
  /** Disconnects a misbehaving peer. */
  drop(session: PeerSession, reason: DropReason, detail: string): void;
}
