import { peerRoleSchema, swarmModeSchema } from '@swarmlab/protocol';
import { z } from 'zod';
import type { RunRecord } from './run-record';

/**
 * What a kept run must look like to be read back (`RunHistory`'s load): every field `RunRecord` requires, of its
 * type, fields of older versions optional, unknown ones (a newer version's) kept as they are. Checked on the whole
 * record, its peers too: a record with a peer lacking its id was kept, and the CSV export of every run threw on it
 * (found by review). zod, as the protocol's messages are checked.
 */
const count = z.number().finite().nonnegative();
const rate = z.number().finite().positive().nullable();
const seconds = z.number().finite().nonnegative();
/**
 * More leechers than any run holds (a server's swarm has 64 seats; the simulator drives 1,000): a kept record of
 * 5e9, hand-edited or another version's, was read back, and the history's chart threw on every page showing it.
 */
export const MAX_RECORD_LEECHERS = 10_000;
const leecherCount = z.number().int().nonnegative().max(MAX_RECORD_LEECHERS);

const runRecordPeerSchema = z.looseObject({
  peerId: z.string(),
  name: z.string().nullable().optional(),
  role: peerRoleSchema,
  uploadBytesPerSec: rate,
  downloadBytesPerSec: rate,
  leaveOnComplete: z.boolean(),
  completedAfterSec: seconds.nullable(),
  joinedAfterSec: seconds.optional(),
  uploadedBytes: count,
  downloadedBytes: count,
});

export const runRecordSchema = z.looseObject({
  id: z.string(),
  swarmId: z.string(),
  runNumber: z.number().int().positive(),
  startedAt: z.string(),
  mode: swarmModeSchema,
  fileName: z.string(),
  fileBytes: count,
  chunkBytes: count,
  leechers: leecherCount,
  unlistedLeechers: leecherCount.optional(),
  lateLeechers: leecherCount.optional(),
  // Not of the run's N, nor drawn: a long churny run past 10,000 departures was shown, then set aside as unreadable
  // at the next load (found by review).
  abandonedLeechers: z.number().int().nonnegative(),
  flaggedLeechers: z.number().int().nonnegative().optional(),
  seederUploadBytesPerSec: rate,
  peerUploadBytesPerSec: rate,
  peerDownloadBytesPerSec: rate,
  leaveOnComplete: z.boolean(),
  phase: z.enum(['finished', 'stopped', 'interrupted']).optional(),
  interruption: z.string().nullable().optional(),
  distributionSec: seconds.nullable(),
  clientServerBoundSec: seconds.nullable(),
  p2pBoundSec: seconds.nullable(),
  boundSec: seconds.nullable(),
  ratio: seconds.nullable(),
  boundsEstimated: z.boolean(),
  model: z
    .looseObject({
      serverUploadBytesPerSec: count,
      totalPeerUploadBytesPerSec: count,
      minPeerDownloadBytesPerSec: count.nullable(),
      uncountedUploadedBytes: count.optional(),
    })
    .optional(),
  restoredAfterSec: seconds.nullable().optional(),
  uploadedBytes: count,
  seederUploadShare: z.number().finite().min(0).max(1).nullable(),
  peers: z
    .array(runRecordPeerSchema)
    .max(MAX_RECORD_LEECHERS + 1)
    .readonly(),
});

/** `value` as a kept run, or undefined if it is not one. */
export function runRecordOf(value: unknown): RunRecord | undefined {
  const parsed = runRecordSchema.safeParse(value);
  return parsed.success ? (parsed.data as RunRecord) : undefined;
}

/** Every run this version records can be read back: a field of `RunRecord` the schema mistyped fails here. */
export const RECORDS_FIT_THE_SCHEMA: (record: RunRecord) => z.input<typeof runRecordSchema> = (record) => ({
  ...record,
  peers: record.peers.map((peer) => ({ ...peer })),
});
