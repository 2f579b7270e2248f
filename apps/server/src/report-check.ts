import { chunkCount, type Manifest, type ProgressReport } from '@swarmlab/protocol';

/**
 * Bytes that padded base64 decodes to, or undefined if it is not padded base64 (every group of four
 * characters whole, `=` only at the end). The schema has already checked the alphabet.
 */
export function base64ByteLength(text: string): number | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (text.slice(0, text.length - padding).includes('=')) return undefined;
  return (text.length / 4) * 3 - padding;
}

/**
 * What the schema cannot check because it depends on the swarm's file: the chunk bitmap has one bit
 * per chunk (`Bitfield.toBytes()`, so ceil(chunks / 8) bytes) and the tab holds no more chunks than the
 * file has. Returns the one-line reason a report does not fit, or undefined when it does.
 */
export function misfitOfReport(report: ProgressReport, manifest: Manifest): string | undefined {
  const chunks = chunkCount(manifest);
  const expectedBytes = Math.ceil(chunks / 8);
  const actualBytes = base64ByteLength(report.bitsBase64);
  if (actualBytes === undefined) return 'bitsBase64: not padded base64';
  if (actualBytes !== expectedBytes) {
    return `bitsBase64: the chunk bitmap of this ${chunks}-chunk file is ${expectedBytes} bytes, not ${actualBytes}`;
  }
  if (report.chunksHeld > chunks) return `chunksHeld: this file has only ${chunks} chunks`;
  return undefined;
}
