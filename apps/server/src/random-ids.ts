import type { ControlSecret, MemberKey, PeerId, SwarmId } from '@swarmlab/protocol';

/** Cryptographically random bytes; `node:crypto`'s `randomBytes` by default, injectable for tests. */
export type RandomBytes = (byteCount: number) => Uint8Array;

/** 128 bits: a swarm link is its own access token, so its id must be unguessable (22 base64url chars). */
export const SWARM_ID_BYTES = 16;

/** 128 bits, like a swarm id: the control link must be as unguessable as the share link. */
export const CONTROL_SECRET_BYTES = 16;

/**
 * 72 bits: peer ids are only unique within one swarm of at most a few dozen members, and short ids keep
 * every relayed signal small (12 base64url chars).
 */
export const PEER_ID_BYTES = 9;

/** 128 bits: a member key proves a member is who it was, as unguessable as its swarm's link. */
export const MEMBER_KEY_BYTES = 16;

/** 128 bits: the salt that makes a swarm's id from its file and control digest (`swarm-seal.ts`). */
export const SEAL_SALT_BYTES = 16;

export interface RandomIds {
  /** A random swarm id (swarms get theirs from their seal; tests and tools may want one). */
  swarmId(): SwarmId;
  peerId(): PeerId;
  controlSecret(): ControlSecret;
  memberKey(): MemberKey;
  sealSalt(): string;
}

export function createRandomIds(randomBytes: RandomBytes): RandomIds {
  const base64url = (byteCount: number): string => {
    const bytes = randomBytes(byteCount);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  };
  return {
    swarmId: () => base64url(SWARM_ID_BYTES),
    peerId: () => base64url(PEER_ID_BYTES),
    controlSecret: () => base64url(CONTROL_SECRET_BYTES),
    memberKey: () => base64url(MEMBER_KEY_BYTES),
    sealSalt: () => base64url(SEAL_SALT_BYTES),
  };
}
