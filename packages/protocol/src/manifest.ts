import { z } from 'zod';
import { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, MAX_CHUNK_COUNT, MAX_FILE_BYTES, MIN_CHUNK_BYTES } from './constants';
import { toHex } from './hex';
import { BIDI_CONTROLS, hasVisibleCharacter } from './shown-text';
import { webCryptoSha256, type Sha256 } from './sha256';

/** Format of the manifest object; bump when its fields change. */
export const MANIFEST_FORMAT_VERSION = 1;

/** Longest file name a manifest carries, in UTF-16 code units (as `string.length` counts). */
export const MAX_FILE_NAME_LENGTH = 255;

const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');

/**
 * The file's metadata, like a torrent's info dictionary: what every peer needs to fetch and verify it.
 * Its SHA-256 (over the canonical JSON below) is the swarm's content id.
 */
export const manifestSchema = z
  .object({
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
    name: z
      .string()
      .min(1)
      .max(MAX_FILE_NAME_LENGTH)
      // Line and paragraph separators are not refused here (a swarm of an earlier version may have them in its name,
      // which its content id covers): seeders clean them out (`manifestFileName`).
      .regex(/^[^\p{Cc}/\\]+$/u, 'file name must not contain control characters or slashes')
      .refine((name) => !BIDI_CONTROLS.test(name), 'file name must not contain bidirectional controls')
      .refine(hasVisibleCharacter, 'file name needs at least one visible character'),
    sizeBytes: z.number().int().min(1).max(MAX_FILE_BYTES),
    chunkBytes: z.number().int().min(MIN_CHUNK_BYTES).max(MAX_CHUNK_BYTES),
    chunkSha256: z.array(sha256HexSchema).min(1).max(MAX_CHUNK_COUNT),
  })
  .strict()
  .refine((m) => m.chunkSha256.length === Math.ceil(m.sizeBytes / m.chunkBytes), {
    message: 'chunkSha256 must have one hash per chunk',
    path: ['chunkSha256'],
  });

export type Manifest = z.infer<typeof manifestSchema>;

export const contentIdSchema = sha256HexSchema;

/** Number of chunks in the file. */
export function chunkCount(manifest: Manifest): number {
  return manifest.chunkSha256.length;
}

/** Length of chunk `chunkIndex`: `chunkBytes`, except the last chunk, which may be shorter. */
export function chunkLengthBytes(manifest: Manifest, chunkIndex: number): number {
  return Math.min(manifest.chunkBytes, manifest.sizeBytes - chunkIndex * manifest.chunkBytes);
}

/**
 * `name` as a manifest may carry it: control characters, line and paragraph separators and slashes (legal in a Linux or macOS file name,
 * `notes\v2.txt`, but a path or worse on another system) and bidirectional controls (which would show
 * `report\u202Efdp.exe` as "reportexe.pdf" on every screen) become `_`, and the name is cut to
 * `MAX_FILE_NAME_LENGTH` without splitting a character; a name with nothing visible becomes `file`.
 */
export function manifestFileName(name: string): string {
  let cleaned = '';
  const unsafe = new RegExp(`[\\p{Cc}\\p{Zl}\\p{Zp}/\\\\]|${BIDI_CONTROLS.source}`, 'gu');
  for (const character of name.replace(unsafe, '_')) {
    if (cleaned.length + character.length > MAX_FILE_NAME_LENGTH) break;
    cleaned += character;
  }
  return hasVisibleCharacter(cleaned) ? cleaned : 'file';
}

/** The manifest as JSON with keys in a fixed order, so every peer hashes the same bytes. */
export function canonicalManifestJson(manifest: Manifest): string {
  const { formatVersion, name, sizeBytes, chunkBytes, chunkSha256 } = manifest;
  return JSON.stringify({ formatVersion, name, sizeBytes, chunkBytes, chunkSha256 });
}

/** The swarm's content id: hex SHA-256 of the canonical manifest JSON (a torrent's info-hash). */
export async function contentIdOf(manifest: Manifest, sha256: Sha256 = webCryptoSha256): Promise<string> {
  return toHex(await sha256(new TextEncoder().encode(canonicalManifestJson(manifest))));
}

/** Reads `lengthBytes` of the file from `offsetBytes`; lets a manifest be built from memory or a File. */
export type ReadFileRange = (offsetBytes: number, lengthBytes: number) => Promise<Uint8Array>;

export interface BuildManifestOptions {
  readonly name: string;
  readonly sizeBytes: number;
  readonly read: ReadFileRange;
  /** `chunkBytesFor(sizeBytes)` when absent. */
  readonly chunkBytes?: number;
  readonly sha256?: Sha256;
  /** Called after each chunk is hashed, for a progress bar on large files. */
  readonly onProgress?: (hashedChunks: number, totalChunks: number) => void;
}

/**
 * The chunk size for a file of `sizeBytes`: `DEFAULT_CHUNK_BYTES` (BitTorrent's customary 256 KiB), doubled
 * until the file fits in `MAX_CHUNK_COUNT` chunks (files over 4 GiB), as BitTorrent clients grow the piece
 * size with the file. A 16 GiB file (`MAX_FILE_BYTES`) takes 1 MiB chunks.
 */
export function chunkBytesFor(sizeBytes: number): number {
  let chunkBytes = DEFAULT_CHUNK_BYTES;
  while (Math.ceil(sizeBytes / chunkBytes) > MAX_CHUNK_COUNT && chunkBytes < MAX_CHUNK_BYTES) chunkBytes *= 2;
  return chunkBytes;
}

/** Hashes every chunk of a file and returns its manifest. */
export async function buildManifest(options: BuildManifestOptions): Promise<Manifest> {
  const chunkBytes = options.chunkBytes ?? chunkBytesFor(options.sizeBytes);
  const sha256 = options.sha256 ?? webCryptoSha256;
  const totalChunks = Math.ceil(options.sizeBytes / chunkBytes);
  const chunkSha256: string[] = [];
  for (let index = 0; index < totalChunks; index++) {
    const offsetBytes = index * chunkBytes;
    const bytes = await options.read(offsetBytes, Math.min(chunkBytes, options.sizeBytes - offsetBytes));
    chunkSha256.push(toHex(await sha256(bytes)));
    options.onProgress?.(index + 1, totalChunks);
  }
  return manifestSchema.parse({
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: options.name,
    sizeBytes: options.sizeBytes,
    chunkBytes,
    chunkSha256,
  });
}
