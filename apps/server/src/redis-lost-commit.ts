import { ErrorReply } from 'redis';
import type { RedisClient } from './redis-client';

/** One write of a swarm as `COMMIT_SWARM_SCRIPT` was asked to make it. */
export interface SentCommit {
  /** The swarm's hash (its `version` and `doc`). */
  readonly swarmKey: string;
  /** The version the write was based on (0: none, a creation). */
  readonly versionRead: number;
  /** The doc written; '' deleted the swarm. */
  readonly doc: string;
}

/**
 * Whether a commit whose call failed was written all the same. node-redis rejects every command already sent when its
 * connection drops (or times out), answered or not: the script may have run in Redis. Taken as unwritten, a creation
 * left a swarm in Redis, counted against the caps, that its founder's socket did not follow (free to create or join
 * another), and a run's start a run live in Redis that no tab was told of, every retry refused `run-in-progress`
 * (found by review). An error reply is Redis's own answer: the script wrote nothing. Otherwise the swarm is read again,
 * queued like any command until the connection is back: written if it holds the doc sent at a later version (or is
 * gone, for a deletion). Anything else, or a failed read, counts as unwritten: the update fails as it did, once. Not
 * applied again: a swarm still as read does not prove the script will never run (Redis may yet read it off the dropped
 * connection), and a change applied twice (a join, a run's start) is worse than one refused.
 */
export async function landedDespite(client: RedisClient, sent: SentCommit, error: unknown): Promise<boolean> {
  if (error instanceof ErrorReply) return false;
  let hash: Record<string, string | undefined>;
  try {
    hash = (await client.hGetAll(sent.swarmKey)) as Record<string, string | undefined>;
  } catch {
    return false;
  }
  const { version, doc } = hash;
  // Deleted: by this write, or by another since, which left it gone all the same.
  if (sent.doc === '') return version === undefined;
  // The doc sent, at a version above the one read (each write takes a higher one, `COMMIT_SWARM_SCRIPT`): this write.
  // The swarm as read (not written), or changed since by another process (written or not, no telling): unwritten.
  return doc === sent.doc && version !== undefined && Number(version) > sent.versionRead;
}
