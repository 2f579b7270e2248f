import type { SwarmId } from '@swarmlab/protocol';

/**
 * A swarm the shared store (Redis) lists has no manifest there: its keys were changed or half deleted by hand, or
 * expired apart. The request fails as `internal-error`; the swarm's other members keep going.
 */
export class MissingManifestError extends Error {
  override readonly name = 'MissingManifestError';

  constructor(readonly swarmId: SwarmId) {
    super(`swarm ${swarmId} has no manifest in Redis`);
  }
}

/** A swarm's record kept changing under an update: every one of `attempts` writes in a row conflicted. */
export class SwarmWriteConflictError extends Error {
  override readonly name = 'SwarmWriteConflictError';

  constructor(
    readonly swarmId: SwarmId,
    readonly attempts: number,
  ) {
    super(`swarm ${swarmId} kept changing: ${attempts} writes in a row conflicted`);
  }
}

/** An update of a swarm that must exist created it instead (the store and its caller disagree). */
export class UnaskedCreationError extends Error {
  override readonly name = 'UnaskedCreationError';

  constructor(readonly swarmId: SwarmId) {
    super(`an update created swarm ${swarmId} unasked`);
  }
}

/**
 * A swarm's record in the shared store cannot be read: not JSON, or without what every reader of it needs (its owners,
 * its record), written by hand or by a build whose format this one does not know. Requests for that swarm fail as
 * `internal-error`; the loops over every swarm (takeovers, audits, grace rechecks) go on past it, where it stopped
 * each of them at that swarm, every time, and the members of the swarms after it were never handed over.
 */
export class UnreadableSwarmRecordError extends Error {
  override readonly name = 'UnreadableSwarmRecordError';

  constructor(
    readonly swarmId: SwarmId,
    reason: string,
  ) {
    super(`swarm ${swarmId}'s record in Redis cannot be read (${reason})`);
  }
}
