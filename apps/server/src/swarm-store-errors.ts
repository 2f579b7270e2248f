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
