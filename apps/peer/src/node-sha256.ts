import { createHash } from 'node:crypto';
import type { Sha256 } from '@swarmlab/protocol';

/** SHA-256 through Node's own crypto: the engine's chunk hashes and the manifest's, without WebCrypto's copies. */
export const nodeSha256: Sha256 = async (bytes) => createHash('sha256').update(bytes).digest();
