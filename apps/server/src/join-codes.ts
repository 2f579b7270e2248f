import { JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH, type JoinCode, type SwarmId } from '@swarmlab/protocol';
import type { RandomBytes } from './random-ids';

/** What a join code names: the swarm and its content id, all a share link holds. */
export interface CodedSwarm {
  readonly swarmId: SwarmId;
  readonly contentId: string;
}

/**
 * The live swarms' join codes: each swarm gets one when it is created, unique among the live swarms, and
 * loses it when it ends (the code may then name a later swarm). Pure bookkeeping over an injected CSPRNG.
 */
export interface JoinCodes {
  /** The swarm's code, issued now if it has none yet. */
  ensure(swarm: CodedSwarm): JoinCode;
  codeOf(swarmId: SwarmId): JoinCode | undefined;
  /** The live swarm `code` names, if any. */
  swarmOf(code: JoinCode): CodedSwarm | undefined;
  /** The swarm ended: its code names nothing any more. */
  release(swarmId: SwarmId): void;
  /** Codes held: one per live swarm, none once every swarm has ended. */
  readonly size: number;
}

/**
 * The largest multiple of the alphabet's size a byte can hold (31 × 8 = 248): bytes from 248 up are drawn
 * again, so every symbol is equally likely (taking every byte modulo 31 would favour the first 8).
 */
const UNBIASED_BYTE_LIMIT = Math.floor(256 / JOIN_CODE_ALPHABET.length) * JOIN_CODE_ALPHABET.length;

/** A code of uniformly random symbols from `randomBytes`, by rejection sampling. */
export function randomJoinCode(randomBytes: RandomBytes): JoinCode {
  let code = '';
  while (code.length < JOIN_CODE_LENGTH) {
    for (const byte of randomBytes(JOIN_CODE_LENGTH * 2)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      code += JOIN_CODE_ALPHABET[byte % JOIN_CODE_ALPHABET.length];
      if (code.length === JOIN_CODE_LENGTH) break;
    }
  }
  return code;
}

export function createJoinCodes(randomBytes: RandomBytes): JoinCodes {
  const swarmsByCode = new Map<JoinCode, CodedSwarm>();
  const codesBySwarm = new Map<SwarmId, JoinCode>();

  return {
    ensure(swarm) {
      const held = codesBySwarm.get(swarm.swarmId);
      if (held !== undefined) return held;
      // 31^6 ≈ 8.9e8 codes for at most `maxSwarms` live swarms: a collision is rare, and drawn again.
      let code = randomJoinCode(randomBytes);
      while (swarmsByCode.has(code)) code = randomJoinCode(randomBytes);
      swarmsByCode.set(code, { swarmId: swarm.swarmId, contentId: swarm.contentId });
      codesBySwarm.set(swarm.swarmId, code);
      return code;
    },

    codeOf: (swarmId) => codesBySwarm.get(swarmId),

    swarmOf: (code) => swarmsByCode.get(code),

    release(swarmId) {
      const code = codesBySwarm.get(swarmId);
      if (code === undefined) return;
      codesBySwarm.delete(swarmId);
      swarmsByCode.delete(code);
    },

    get size() {
      return codesBySwarm.size;
    },
  };
}
