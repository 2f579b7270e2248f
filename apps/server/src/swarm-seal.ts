import { createHash, timingSafeEqual } from 'node:crypto';
import type { SwarmId, SwarmSeal } from '@swarmlab/protocol';
import type { ControlDigest } from './control-secret';

/** Bytes of the seal's hash that make the swarm id: 128 bits, as unguessable as a random id (22 base64url chars). */
const SWARM_ID_HASH_BYTES = 16;

/** Keeps a seal's hash apart from every other SHA-256 the project computes. */
const SEAL_DOMAIN = 'swarmlab/swarm-id/v1';

/**
 * The swarm id a seal and a file make: SHA-256(domain ‖ salt ‖ content id ‖ control digest), its first 16
 * bytes in base64url. The id is the swarm's link, so after a restart whoever re-registers the link must
 * present the file and the control digest it was made from: another file, or another control secret,
 * cannot be registered under it (finding a second preimage of SHA-256 is out of reach).
 */
export function swarmIdOfSeal(seal: SwarmSeal, contentId: string): SwarmId {
  return createHash('sha256')
    .update(SEAL_DOMAIN)
    .update('\0')
    .update(seal.salt)
    .update('\0')
    .update(contentId)
    .update('\0')
    .update(seal.controlDigest)
    .digest()
    .subarray(0, SWARM_ID_HASH_BYTES)
    .toString('base64url');
}

/** The seal of a new swarm: a fresh salt (`salt`, 128 random bits) and its control digest. */
export function sealOf(salt: string, controlDigest: ControlDigest): SwarmSeal {
  return { salt, controlDigest: controlDigest.toString('base64url') };
}

/** The control digest a seal carries, as the registry keeps it. */
export function controlDigestOfSeal(seal: SwarmSeal): ControlDigest {
  return Buffer.from(seal.controlDigest, 'base64url');
}

/** Whether `seal` and `contentId` make `swarmId` (compared in constant time). */
export function sealMakes(swarmId: SwarmId, seal: SwarmSeal, contentId: string): boolean {
  const expected = Buffer.from(swarmId, 'utf8');
  const made = Buffer.from(swarmIdOfSeal(seal, contentId), 'utf8');
  return expected.length === made.length && timingSafeEqual(expected, made);
}
