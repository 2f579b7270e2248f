import { open, type FileHandle } from 'node:fs/promises';
import { MemoryChunkStore, type AsyncChunkStore } from '@swarmlab/engine';
import type { Manifest } from '@swarmlab/protocol';
import { FileChunkStore } from './file-chunk-store';
import { HeadlessPeerError } from './headless-peer-error';
import { reasonOf } from './seed-file';

/** Where a headless leecher keeps the chunks of each run: in memory, or in an output file. */
export interface LeecherStorage {
  /** `memory`, or the output file's path: for the user. */
  readonly where: string;
  /** A store for a new run, holding nothing the engine knows of (each run starts empty). */
  openRun(manifest: Manifest): Promise<AsyncChunkStore>;
  close(): Promise<void>;
}

/** Chunks in memory, a fresh store each run: the default (tests and benchmarks start dozens of peers). */
export function memoryLeecherStorage(): LeecherStorage {
  return {
    where: 'memory',
    openRun: async () => new MemoryChunkStore(),
    close: async () => {},
  };
}

/**
 * Chunks written at their place in the file at `path`, created now, so a path that cannot be written fails
 * before the peer joins anything. A file already there is refused, never emptied: a mistyped name, or a
 * command run again over a finished download, must not cost the user a file. Each run writes over the same
 * file, sized to the manifest.
 */
export async function outFileLeecherStorage(path: string): Promise<LeecherStorage> {
  let file: FileHandle;
  try {
    file = await open(path, 'wx+');
  } catch (error) {
    const exists = error instanceof Error && 'code' in error && error.code === 'EEXIST';
    if (exists) throw new HeadlessPeerError(`${path} exists: remove it, or give --out another name`, 2);
    throw new HeadlessPeerError(`cannot write ${path}: ${reasonOf(error)}`, 2);
  }
  return {
    where: path,
    async openRun(manifest) {
      await file.truncate(manifest.sizeBytes);
      return new FileChunkStore(file, manifest);
    },
    close: () => file.close(),
  };
}
