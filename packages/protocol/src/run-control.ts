import { CHANNEL_TAG } from './channel-tags';

/**
 * Run control: the two transport-level messages that mark where one run (one repetition of a transfer
 * experiment) begins and ends on a data channel that outlives it (docs/PROTOCOL.md §3.12). Between them a run's
 * wire messages travel unchanged; the transport (`RunLinks` in `@swarmlab/webrtc`) speaks them, an engine never
 * sees them. Like the wire codec: a pure write/read pair, and the reader never throws.
 */

/** First byte of every run-control message: its row of `CHANNEL_TAG`, apart from every wire tag. */
export const RUN_CONTROL_TAG = CHANNEL_TAG['run-control'];

/** Second byte: which run-control message. */
export const RUN_CONTROL_KIND = { begin: 1, end: 2 } as const;

/** Tag, kind, u32 big-endian run number. */
export const RUN_CONTROL_BYTES = 6;

/** Largest run number: it travels as a u32. */
export const MAX_RUN_NUMBER = 0xffff_ffff;

export type RunControlKind = keyof typeof RUN_CONTROL_KIND;

/** "Run `runNumber` begins": what the sender sends next belongs to that run. "Ends": the sender left it. */
export interface RunControl {
  readonly kind: RunControlKind;
  readonly runNumber: number;
}

/** Why bytes from a peer were not a run-control message. */
export type RunControlDecodeErrorCode = 'not-run-control' | 'bad-length' | 'unknown-kind' | 'bad-run-number';

export class RunControlDecodeError extends Error {
  override readonly name = 'RunControlDecodeError';
  constructor(
    readonly code: RunControlDecodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type RunControlDecodeResult =
  { readonly ok: true; readonly control: RunControl } | { readonly ok: false; readonly error: RunControlDecodeError };

const KIND_BY_BYTE = new Map<number, RunControlKind>(
  Object.entries(RUN_CONTROL_KIND).map(([kind, byte]) => [byte, kind as RunControlKind]),
);

/** True when `bytes` claims to be a run-control message (its tag says so); `decodeRunControl` checks the rest. */
export function isRunControl(bytes: Uint8Array): boolean {
  return bytes[0] === RUN_CONTROL_TAG;
}

/** A positive integer that fits the wire's u32. */
export function isValidRunNumber(runNumber: number): boolean {
  return Number.isInteger(runNumber) && runNumber >= 1 && runNumber <= MAX_RUN_NUMBER;
}

/** Encodes a run-control message; throws `RangeError` on a local mistake: a run number outside 1 … 2³² − 1. */
export function encodeRunControl(control: RunControl): Uint8Array {
  if (!isValidRunNumber(control.runNumber))
    throw new RangeError(`run number must be an integer in 1..${MAX_RUN_NUMBER}, got ${control.runNumber}`);
  const out = new Uint8Array(RUN_CONTROL_BYTES);
  out[0] = RUN_CONTROL_TAG;
  out[1] = RUN_CONTROL_KIND[control.kind];
  new DataView(out.buffer).setUint32(2, control.runNumber);
  return out;
}

/** Decodes bytes from a peer. Never throws: malformed input yields `{ ok: false }` with a typed error. */
export function decodeRunControl(bytes: Uint8Array): RunControlDecodeResult {
  if (!isRunControl(bytes)) return failure('not-run-control', `not a run-control message (tag ${bytes[0]})`);
  if (bytes.length !== RUN_CONTROL_BYTES)
    return failure('bad-length', `run-control message of ${bytes.length} bytes, expected ${RUN_CONTROL_BYTES}`);
  const kind = KIND_BY_BYTE.get(bytes[1]!);
  if (kind === undefined) return failure('unknown-kind', `unknown run-control kind ${bytes[1]}`);
  const runNumber = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(2);
  if (runNumber === 0) return failure('bad-run-number', 'run number 0 in a run-control message');
  return { ok: true, control: { kind, runNumber } };
}

function failure(code: RunControlDecodeErrorCode, message: string): RunControlDecodeResult {
  return { ok: false, error: new RunControlDecodeError(code, message) };
}
