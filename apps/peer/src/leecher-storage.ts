import { link, lstat, open, rename, stat, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MemoryChunkStore, type AsyncChunkStore } from '@swarmlab/engine';
import type { Manifest, Sha256 } from '@swarmlab/protocol';
import { FileChunkStore } from './file-chunk-store';
import { HeadlessPeerError } from './headless-peer-error';
import { nodeSha256 } from './node-sha256';
import { reasonOf } from './seed-file';

/** Where a headless leecher keeps the chunks of each run: in memory, or in an output file. */
export interface LeecherStorage {
  /** `memory`, or the file being written: for the user. */
  readonly where: string;
  /** Why this storage cannot hold `manifest`'s file, if it cannot (said before the peer joins a run). */
  refusal(manifest: Manifest): Promise<string | undefined>;
  /** A store for a new run, holding nothing the engine knows of (each run starts empty). */
  openRun(manifest: Manifest): Promise<AsyncChunkStore>;
  /** The run's store holds the whole file, checked: keep it (an output file takes its final name). */
  keepRun(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Largest download kept in memory: the whole file is held in this process (plus the engine's buffers). A
 * swarm may carry 16 GiB; past this, `--out` is the way.
 */
export const MAX_MEMORY_DOWNLOAD_BYTES = 2 * 1024 ** 3;

/** Chunks in memory, a fresh store each run: the default (tests and benchmarks start dozens of peers). */
export function memoryLeecherStorage(): LeecherStorage {
  return {
    where: 'memory',
    refusal: async (manifest) =>
      manifest.sizeBytes > MAX_MEMORY_DOWNLOAD_BYTES
        ? `${manifest.name} is ${byteSize(manifest.sizeBytes)}, more than this peer keeps in memory (2 GiB): give --out PATH to write it to disk`
        : undefined,
    openRun: async () => new MemoryChunkStore(),
    keepRun: async () => {},
    close: async () => {},
  };
}

/** What a download is written to until it is whole and checked. */
export const PARTIAL_SUFFIX = '.part';

/**
 * Chunks written at their place in `<path>.part`, created now, so a path that cannot be written fails before
 * the peer joins anything; once the whole file is held and checked it takes the name `path`. A file at
 * `path` is refused, never replaced: a mistyped name, or a command run again over a finished download, must
 * not cost the user a file. Nor does a file at `path` ever hold a partial download: a download interrupted
 * (Ctrl-C, a full disk) leaves nothing there, and one killed outright leaves only the `.part` file. A later
 * run writes a new `.part` file, and replaces the file the earlier run kept once it is whole in its turn: that
 * file only (the same file), not one the user put under its name since. Nor is a `.part` removed or replaced
 * meanwhile (another peer's, under the same --out) named, or removed: only the file this storage wrote. Every chunk
 * read back is checked with `sha256`.
 */
export async function outFileLeecherStorage(path: string, sha256: Sha256 = nodeSha256): Promise<LeecherStorage> {
  const partPath = path + PARTIAL_SUFFIX;
  // Not following a link: one whose target is gone reads as nothing there, and the whole download was then refused
  // its name at the end (found by review).
  const existing = await statOf(path, lstat);
  if (existing?.isDirectory())
    throw new HeadlessPeerError(`${path} is a directory: give --out the name of the file to write in it`, 2);
  if (existing?.isSymbolicLink())
    throw new HeadlessPeerError(`${path} is a symbolic link: give --out the name of a new file`, 2);
  if (existing) throw new HeadlessPeerError(`${path} exists: remove it, or give --out another name`, 2);
  // The file of the latest run; `kept` once it took the name `path`. Its handle stays open after that: the
  // leecher goes on serving its chunks from it.
  // `left`: whole and checked, but left as `.part` (see `PathTaken`).
  let current: { readonly file: FileHandle; kept: boolean; left?: boolean } | undefined = {
    file: await createPart(partPath, path),
    kept: false,
  };
  // The file the latest run kept at `path`, held open while a later run downloads: that run replaces that file only
  // (its device and inode, which the open handle keeps from being reused), never one the user put under that name
  // meanwhile (it did, without a word; found by review). Its change time is no part of it: a `chmod` or a backup's
  // hard link made the next run refuse to replace it, and the peer exit (found by review).
  let keptFile: FileHandle | undefined;
  // One change of the files at a time: a run may start while the last one's file takes its name.
  let queue: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(change: () => Promise<T>): Promise<T> => {
    const done = queue.then(change);
    queue = done.catch(() => {});
    return done;
  };
  const storage: LeecherStorage = {
    where: partPath,
    // A disk without room for the file is said before the run: it failed minutes in, at the first chunk that did
    // not fit (found by review). The room taken by this download's own .part counts as free (a later run writes
    // over it); a file a run kept does not (a later run downloads beside it). A file system that cannot say (statfs
    // unsupported) is not refused.
    async refusal(manifest) {
      let freeBytes: number;
      try {
        const { bavail, bsize } = await statfs(dirname(partPath));
        const heldBytes = current && !current.kept ? Number((await current.file.stat()).blocks) * 512 : 0;
        freeBytes = bavail * bsize + heldBytes;
      } catch {
        return undefined;
      }
      if (freeBytes >= manifest.sizeBytes) return undefined;
      return (
        `${manifest.name} is ${byteSize(manifest.sizeBytes)}, and the disk of ${dirname(partPath)} has ` +
        `${byteSize(freeBytes)} free: make room, or give --out a path on another disk`
      );
    },
    async openRun(manifest) {
      // A run that did not complete is written over; a kept file stays as it is, and the new run gets its own. So does
      // one left whole and checked at `.part` (its name was taken): its new `.part` is refused, as at the start, where
      // the next run wrote over it (found by review).
      if (current?.kept) {
        await keptFile?.close().catch(() => {});
        keptFile = current.file;
        current = undefined;
      } else if (current?.left) {
        await current.file.close();
        current = undefined;
      }
      // A `.part` removed meanwhile (taken for junk between runs), or replaced, is not written through the old handle:
      // the run starts a new one (found by review).
      if (current && !(await namesFile(partPath, current.file))) {
        await current.file.close().catch(() => {});
        current = undefined;
      }
      if (!current) {
        // A later run's download goes beside the file the last one kept: without room for both it failed minutes
        // in, at the first chunk that did not fit (found by review).
        const refused = await storage.refusal(manifest);
        if (refused !== undefined) throw new HeadlessPeerError(`${refused} (beside the file an earlier run kept)`);
        current = { file: await createPart(partPath, path), kept: false };
      }
      // Every chunk read is checked, as a seeder's are: a finished download edited in place (or cut short)
      // would otherwise be sent to peers that throw it away, or silently not at all.
      return new FileChunkStore(current.file, manifest, sha256);
    },
    async keepRun() {
      if (!current || current.kept) return;
      // On the disk before it has its name: the check read the bytes back from the page cache, and a power loss
      // within the writeback window could leave `path` with holes (found by review). A writeback that fails (a failing
      // USB stick, a full network share) is a failed write: the bytes are not known to be on the disk, so the .part
      // goes, as for a chunk that could not be written; it was kept and called "the whole file, checked" (found by
      // review).
      try {
        await current.file.datasync();
      } catch (error) {
        throw new Error(`could not write the download ${partPath} to the disk (${reasonOf(error)})`, { cause: error });
      }
      // What has the name `.part` now is named `path`: if that is no longer the file written (removed, or another
      // peer's download under the same --out), it would name the other's partial file, or say the whole file is
      // left where nothing is (found by review).
      if (!(await namesFile(partPath, current.file))) {
        current.left = true;
        throw new Error(
          `${partPath} was removed or replaced during the download: the checked file is gone with it, and nothing ` +
            `was named ${path}`,
        );
      }
      // The first time, `path` must still be free (it was at the start): a file put there meanwhile is kept.
      try {
        // Something else at `path` (not the kept file) is refused by `keepAs`, as at the first run.
        if (keptFile && (await namesFile(path, keptFile))) await rename(partPath, path);
        else await keepAs(partPath, path);
        await keptFile?.close().catch(() => {});
        keptFile = undefined;
      } catch (error) {
        // The whole file, checked, is in the .part: it stays, whatever kept it from its name.
        current.left = true;
        if (error instanceof PathTaken) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `could not name the download ${path} (${reason}): the whole file, checked, is left at ${partPath}`,
          { cause: error },
        );
      }
      current.kept = true;
    },
    async close() {
      const last = current;
      current = undefined;
      await keptFile?.close().catch(() => {});
      keptFile = undefined;
      if (!last) return;
      // The .part goes whatever the close says: a network share reports a failed write as the file closes, and the
      // .part stayed, with the close's error in place of the reason (found by review). Only the file this storage
      // wrote goes: not one that took its name meanwhile (another peer's download under the same --out).
      const ours = !last.kept && !last.left && (await namesFile(partPath, last.file).catch(() => false));
      try {
        await last.file.close();
      } catch (error) {
        throw new HeadlessPeerError(`could not close ${last.kept ? path : partPath}: ${reasonOf(error)}`);
      } finally {
        if (ours) await unlink(partPath).catch(() => {});
      }
    },
  };
  return {
    where: storage.where,
    refusal: storage.refusal,
    openRun: (manifest) => inTurn(() => storage.openRun(manifest)),
    keepRun: () => inTurn(() => storage.keepRun()),
    close: () => inTurn(() => storage.close()),
  };
}

/** `bytes` for a line, in the binary unit that says it best (as `df -h` does, and the memory refusal above). */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [value, unit] =
    bytes < 1024 ** 2
      ? [bytes / 1024, 'KiB']
      : bytes < 1024 ** 3
        ? [bytes / 1024 ** 2, 'MiB']
        : [bytes / 1024 ** 3, 'GiB'];
  return `${value.toFixed(1)} ${unit}`;
}

async function createPart(partPath: string, path: string): Promise<FileHandle> {
  try {
    return await open(partPath, 'wx+');
  } catch (error) {
    // Maybe a whole download whose check a second Ctrl-C cut short: the server counted it, and this said only to remove it.
    if (codeOf(error) === 'EEXIST')
      throw new HeadlessPeerError(
        `${partPath} exists (a download that was interrupted, one going on, or a whole one whose check was cut ` +
          `short: compare its SHA-256 with the one the swarm's pages show, and rename it to ${path}): remove it, or ` +
          'give --out another name',
        2,
      );
    // "no such file" read as if a file were missing, where it is the folder (`--out newdir/copy.mp4`; found by review).
    if (codeOf(error) === 'ENOENT')
      throw new HeadlessPeerError(
        `cannot write ${partPath}: the directory ${dirname(partPath)} does not exist: create it, or give --out a ` +
          'path in one that does',
        2,
      );
    throw new HeadlessPeerError(`cannot write ${partPath}: ${reasonOf(error)}`, 2);
  }
}

/**
 * Whether `path` names the file open as `file` (same device and inode: the open handle keeps its inode from being
 * reused, so no change time is needed, and writes change that). False if nothing is there.
 */
async function namesFile(path: string, file: FileHandle): Promise<boolean> {
  const [held, named] = await Promise.all([
    file.stat({ bigint: true }),
    stat(path, { bigint: true }).catch((error: unknown) => {
      if (codeOf(error) === 'ENOENT') return undefined;
      throw new HeadlessPeerError(`cannot write ${path}: ${reasonOf(error)}`, 2);
    }),
  ]);
  return named !== undefined && named.dev === held.dev && named.ino === held.ino;
}

/** Something took the name `path` during the download: the whole file stays in `partPath`. */
class PathTaken extends Error {
  constructor(path: string, partPath: string, options: ErrorOptions) {
    super(`${path} appeared during the download: the whole file is left in ${partPath}`, options);
  }
}

/** Gives `partPath` the name `path`, unless something has that name now. */
async function keepAs(partPath: string, path: string): Promise<void> {
  try {
    await link(partPath, path);
  } catch (error) {
    const taken = new PathTaken(path, partPath, { cause: error });
    if (codeOf(error) === 'EEXIST') throw taken;
    // A file system without hard links (FAT, some network shares): rename, as safe as it can be there.
    if (await exists(path)) throw taken;
    return rename(partPath, path);
  }
  await unlink(partPath);
}

async function exists(path: string): Promise<boolean> {
  return (await statOf(path)) !== undefined;
}

/** What is at `path` (through a link with `stat`, the link itself with `lstat`); undefined if nothing. */
async function statOf(path: string, read: typeof stat = stat): Promise<Awaited<ReturnType<typeof stat>> | undefined> {
  try {
    return await read(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw new HeadlessPeerError(`cannot write ${path}: ${reasonOf(error)}`, 2);
  }
}

function codeOf(error: unknown): unknown {
  return error instanceof Error && 'code' in error ? error.code : undefined;
}
