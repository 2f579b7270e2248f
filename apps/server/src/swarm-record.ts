import type { PeerFlag, PeerId, PeerOverride, PeerRole, ProgressReport, SwarmId, SwarmSeal } from '@swarmlab/protocol';
import type { ControlLinksState } from './control-links';
import type { DepartedMember } from './departed-members';
import type { SwarmRunsState } from './swarm-runs';

/** A member as plain data; `inControl` says whether its socket presented the control secret. */
export interface MemberRecord {
  readonly peerId: PeerId;
  /** Null while its socket is gone and it may still resume. */
  readonly socketId: string | null;
  /** The network address of its latest socket; absent in records written before. */
  readonly address?: string;
  /** The hash of its member key, base64url. */
  readonly keyDigest: string;
  /** The hash of the entry key of the join that took its place back (base64url); absent if none. */
  readonly entryKeyDigest?: string;
  readonly role: PeerRole;
  readonly joinedAtMs: number;
  readonly report: ProgressReport | null;
  readonly override: PeerOverride;
  /** Whether the override was set with the control secret; absent (records written before) counts as not. */
  readonly overrideByControl?: boolean;
  readonly flagged: PeerFlag | null;
  readonly inControl: boolean;
}

export interface WatcherRecord {
  readonly socketId: string;
  /** Its network address (`AddressKey`); absent in records written before, counted as one address. */
  readonly address?: string;
  readonly inControl: boolean;
}

/**
 * One swarm of the registry as plain data (JSON), without its manifest (immutable, and large: it is kept
 * apart). A shared store (`redis-swarm-store.ts`) keeps this between requests: each request loads it into
 * a registry of its own, applies the same rules as the in-memory server, and writes it back.
 */
export interface SwarmRecord {
  readonly swarmId: SwarmId;
  readonly contentId: string;
  readonly seal: SwarmSeal;
  readonly createdAtMs: number;
  /** In joining order. */
  readonly members: readonly MemberRecord[];
  readonly watchers: readonly WatcherRecord[];
  readonly runs: SwarmRunsState;
  /** Members that left, oldest first (`departed-members.ts`); absent in older records. */
  readonly departed?: readonly (readonly [PeerId, DepartedMember])[];
  /** The controller's account of its links after a restart (`control-links.ts`); absent in older records. */
  readonly controlLinks?: ControlLinksState;
}
