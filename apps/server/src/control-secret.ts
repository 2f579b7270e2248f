import { createHash, timingSafeEqual } from 'node:crypto';
import type { ControlSecret } from '@swarmlab/protocol';

/**
 * What the server keeps of a swarm's control secret: its SHA-256. The secret itself is told to the
 * creator once and never stored, so a dump of the server's memory (or its logs) hands nobody control.
 */
export type ControlDigest = Buffer;

export function controlDigestOf(secret: ControlSecret): ControlDigest {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Whether `presented` is the digest of the swarm's secret. The comparison takes the same time whatever
 * the bytes (`timingSafeEqual`), so timing tells a guesser nothing; both digests are 32 bytes.
 */
export function sameControlDigest(expected: ControlDigest, presented: ControlDigest | undefined): boolean {
  return presented !== undefined && presented.length === expected.length && timingSafeEqual(expected, presented);
}

/**
 * What the server keeps of a member's key: its SHA-256, like a control secret's, compared the same way
 * (`sameControlDigest`).
 */
export const memberKeyDigestOf: (key: string) => ControlDigest = controlDigestOf;
