import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testFile } from '@swarmlab/test-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeadlessPeerError } from '../src/headless-peer-error';
import { memoryLeecherStorage, outFileLeecherStorage } from '../src/leecher-storage';
import { openSeedFile } from '../src/seed-file';
import { startHeadlessPeer } from '../src/headless-peer';

describe('the headless peer’s files', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-seed-'));
    dirs.push(dir);
    return dir;
  };

  it('refuses to seed a named pipe at once, where opening it waited for ever for a writer', async () => {
    const fifo = join(tempDir(), 'lecture.pipe');
    execFileSync('mkfifo', [fifo]);
    await expect(openSeedFile(fifo)).rejects.toThrow(new HeadlessPeerError(`${fifo} is not a file`, 2));
  });

  it('says a directory given as --out is one, rather than to remove it', async () => {
    const downloads = tempDir();
    await expect(outFileLeecherStorage(downloads)).rejects.toThrow(
      new HeadlessPeerError(`${downloads} is a directory: give --out the name of the file to write in it`, 2),
    );
  });

  it('never empties a file already at the --out path', async () => {
    const precious = join(tempDir(), 'thesis.pdf');
    writeFileSync(precious, 'four years of work');
    await expect(outFileLeecherStorage(precious)).rejects.toThrow(
      /thesis\.pdf exists: remove it, or give --out another name/,
    );
    expect(readFileSync(precious, 'utf8')).toBe('four years of work');
  });

  it('says a .part found at the start may be a whole download whose check was cut short, and never empties it', async () => {
    const dir = tempDir();
    const out = join(dir, 'copy.bin');
    writeFileSync(`${out}.part`, 'a download');
    await expect(outFileLeecherStorage(out)).rejects.toThrow(
      /copy\.bin\.part exists \(a download that was interrupted, one going on, or a whole one whose check was cut short: compare its SHA-256 with the one the swarm's pages show, and rename it to .*copy\.bin\): remove it/,
    );
    expect(readFileSync(`${out}.part`, 'utf8')).toBe('a download');
  });

  it('writes a download to PATH.part, gives it the name PATH once kept, and removes a .part never kept', async () => {
    const dir = tempDir();
    const out = join(dir, 'copy.bin');
    const file = await testFile(40_000, 16_384);
    const storage = await outFileLeecherStorage(out);
    expect(storage.where).toBe(`${out}.part`);
    const store = await storage.openRun(file.manifest);
    for (let index = 0; index < 3; index++)
      await store.put(index, file.bytes.subarray(index * 16_384, (index + 1) * 16_384));
    // While the download goes on, nothing has the final name: a script cannot take it for the file.
    expect(readdirSync(dir)).toEqual(['copy.bin.part']);
    await storage.keepRun();
    expect(readdirSync(dir)).toEqual(['copy.bin']);
    expect(readFileSync(out)).toEqual(Buffer.from(file.bytes));
    // The leecher goes on serving from the kept file.
    expect(await store.get(1)).toEqual(file.bytes.subarray(16_384, 32_768));

    // A later run writes a .part of its own; the kept file stays whole until the new one replaces it.
    const second = await storage.openRun(file.manifest);
    await second.put(0, new Uint8Array(16_384).fill(7));
    expect(readdirSync(dir).sort()).toEqual(['copy.bin', 'copy.bin.part']);
    expect(readFileSync(out)).toEqual(Buffer.from(file.bytes));
    await storage.close();
    expect(readdirSync(dir)).toEqual(['copy.bin']);
  });

  /** An `--out` storage at `lecture.bin` in a new directory, and `download`: one run's whole file written to it. */
  const lectureStorage = async () => {
    const dir = tempDir();
    const out = join(dir, 'lecture.bin');
    const file = await testFile(40_000, 16_384);
    const storage = await outFileLeecherStorage(out);
    const download = async (): Promise<void> => {
      const store = await storage.openRun(file.manifest);
      for (let index = 0; index < 3; index++)
        await store.put(index, file.bytes.subarray(index * 16_384, (index + 1) * 16_384));
    };
    return { dir, out, file, storage, download };
  };

  it('replaces the file an earlier run kept, never a file the user put under its name since', async () => {
    const { dir, out, file, storage, download } = await lectureStorage();
    await download();
    await storage.keepRun();
    // Run 2 replaces run 1's file.
    await download();
    await storage.keepRun();
    expect(readdirSync(dir)).toEqual(['lecture.bin']);
    // The student moves the download away and saves notes of their own under its name.
    renameSync(out, join(dir, 'moved.bin'));
    writeFileSync(out, 'my own notes');
    // (Or deletes it and saves the notes: the file system may give the notes the download's inode number.)
    await download();
    // Before, run 3 replaced the notes without a word.
    await expect(storage.keepRun()).rejects.toThrow(
      /lecture\.bin appeared during the download: the whole file is left in/,
    );
    expect(readFileSync(out, 'utf8')).toBe('my own notes');
    expect(readFileSync(`${out}.part`)).toEqual(Buffer.from(file.bytes));
    await storage.close();
    expect(readdirSync(dir).sort()).toEqual(['lecture.bin', 'lecture.bin.part', 'moved.bin']);
  });

  it('replaces the file an earlier run kept after its mode changed or a backup linked to it (its change time moved)', async () => {
    const { dir, out, file, storage, download } = await lectureStorage();
    await download();
    await storage.keepRun();
    chmodSync(out, 0o600);
    linkSync(out, join(dir, 'backup.bin'));
    // Before, run 2 took the file for another put under the name: "appeared during the download", exit 1.
    await download();
    await storage.keepRun();
    expect(readdirSync(dir).sort()).toEqual(['backup.bin', 'lecture.bin']);
    expect(readFileSync(out)).toEqual(Buffer.from(file.bytes));
    await storage.close();
  });

  it('does not take a file saved under the name after the download was deleted for the download (inode reused)', async () => {
    const { out, storage, download } = await lectureStorage();
    await download();
    await storage.keepRun();
    await download();
    // Deleted, and notes saved under its name: ext4 hands the freed inode number to the new file (3 times of 3).
    unlinkSync(out);
    writeFileSync(out, 'my own notes');
    await expect(storage.keepRun()).rejects.toThrow(/appeared during the download/);
    expect(readFileSync(out, 'utf8')).toBe('my own notes');
    await storage.close();
  });

  /**
   * A whole download written to `copy.bin.part` of a new directory, not yet kept, and the prototype of every
   * `FileHandle` (the storage's own is not reachable from here), to stub its writeback with.
   */
  const wholeDownload = async () => {
    const dir = tempDir();
    const out = join(dir, 'copy.bin');
    const file = await testFile(40_000, 16_384);
    const storage = await outFileLeecherStorage(out);
    const store = await storage.openRun(file.manifest);
    for (let index = 0; index < 3; index++)
      await store.put(index, file.bytes.subarray(index * 16_384, (index + 1) * 16_384));
    const probe = await open(join(dir, 'probe'), 'w');
    const handlePrototype = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    unlinkSync(join(dir, 'probe'));
    return { dir, out, file, storage, handlePrototype };
  };

  it('puts a download’s bytes on the disk before it gives it its name', async () => {
    const { out, file, storage, handlePrototype } = await wholeDownload();
    const namedAtSync: boolean[] = [];
    const datasync = vi.spyOn(handlePrototype, 'datasync').mockImplementation(async () => {
      namedAtSync.push(existsSync(out));
    });
    try {
      await storage.keepRun();
    } finally {
      datasync.mockRestore();
    }
    expect(namedAtSync).toEqual([false]);
    expect(readFileSync(out)).toEqual(Buffer.from(file.bytes));
    await storage.close();
  });

  it('a writeback that fails is a failed write: no "whole file, checked" left at .part, nothing named', async () => {
    const { dir, storage, handlePrototype } = await wholeDownload();
    const datasync = vi
      .spyOn(handlePrototype, 'datasync')
      .mockRejectedValue(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    try {
      // Before: "could not name the download … the whole file, checked, is left at copy.bin.part", and it was.
      const refused = storage.keepRun();
      await expect(refused).rejects.toThrow(/^could not write the download .*copy\.bin\.part to the disk \(/);
      await expect(refused).rejects.not.toThrow(/checked|whole/);
    } finally {
      datasync.mockRestore();
    }
    await storage.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never names another file that took the .part’s name during the download (a second peer with the same --out)', async () => {
    const { dir, out, storage, download } = await lectureStorage();
    await download();
    // The student took the leftover .part for junk and started another peer with the same --out meanwhile.
    unlinkSync(`${out}.part`);
    writeFileSync(`${out}.part`, 'the other peer’s partial download');
    await expect(storage.keepRun()).rejects.toThrow(
      /lecture\.bin\.part was removed or replaced during the download: .*nothing was named .*lecture\.bin$/,
    );
    // Before, the other peer's partial file was named lecture.bin, "whole and checked".
    expect(existsSync(out)).toBe(false);
    await storage.close();
    // Nor is the other peer's .part removed as this one closes.
    expect(readdirSync(dir)).toEqual(['lecture.bin.part']);
    expect(readFileSync(`${out}.part`, 'utf8')).toBe('the other peer’s partial download');
  });

  it('says a .part removed during the download is gone, not that the whole file is left there', async () => {
    const { dir, storage, download } = await lectureStorage();
    await download();
    unlinkSync(join(dir, 'lecture.bin.part'));
    await expect(storage.keepRun()).rejects.toThrow(/was removed or replaced during the download/);
    await storage.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes a run after the .part was removed between runs to a new .part, and names that', async () => {
    const { dir, out, file, storage, download } = await lectureStorage();
    // Run 1 stopped before it completed; its .part is deleted as junk before run 2.
    const first = await storage.openRun(file.manifest);
    await first.put(0, file.bytes.subarray(0, 16_384));
    unlinkSync(`${out}.part`);
    await download();
    expect(readdirSync(dir)).toEqual(['lecture.bin.part']);
    await storage.keepRun();
    expect(readFileSync(out)).toEqual(Buffer.from(file.bytes));
    await storage.close();
  });

  it('does not write a next run over a whole download left at .part (its name was taken): that run is refused', async () => {
    const { out, file, storage } = await wholeDownload();
    writeFileSync(out, 'my notes');
    await expect(storage.keepRun()).rejects.toThrow(/the whole file is left in .*copy\.bin\.part/);
    // A peer not closed after the failure hears of the next run (the programmatic API).
    await expect(storage.openRun(file.manifest)).rejects.toThrow(/copy\.bin\.part exists/);
    await storage.close();
    expect(readFileSync(`${out}.part`)).toEqual(Buffer.from(file.bytes));
    expect(readFileSync(out, 'utf8')).toBe('my notes');
  });

  it('refuses an --out name held by a symbolic link at the start, also one whose target is gone', async () => {
    const dir = tempDir();
    const out = join(dir, 'copy.bin');
    symlinkSync(join(dir, 'gone.bin'), out);
    // Before: taken for a free name, and refused only once the whole file was downloaded.
    await expect(outFileLeecherStorage(out)).rejects.toThrow(
      new HeadlessPeerError(`${out} is a symbolic link: give --out the name of a new file`, 2),
    );
    expect(readdirSync(dir)).toEqual(['copy.bin']);
  });

  it('keeps a download in memory up to 2 GiB only, and says to give --out past it', async () => {
    const { manifest } = await testFile(40_000, 16_384);
    expect(await memoryLeecherStorage().refusal(manifest)).toBeUndefined();
    expect(await memoryLeecherStorage().refusal({ ...manifest, name: 'lecture.mp4', sizeBytes: 5 * 1024 ** 3 })).toBe(
      'lecture.mp4 is 5.0 GiB, more than this peer keeps in memory (2 GiB): give --out PATH to write it to disk',
    );
  });

  it('refuses a .part file already there (an interrupted download), and leaves it as it is', async () => {
    const out = join(tempDir(), 'copy.bin');
    writeFileSync(`${out}.part`, 'half a file');
    await expect(outFileLeecherStorage(out)).rejects.toThrow(
      /copy\.bin\.part exists \(a download that was interrupted/,
    );
    expect(readFileSync(`${out}.part`, 'utf8')).toBe('half a file');
  });

  it('stops hashing a file to seed once the start failed: the server out of reach, it read on for minutes', async () => {
    const path = join(tempDir(), 'lecture.bin');
    writeFileSync(path, '');
    truncateSync(path, 1024 ** 3); // sparse: no disk taken
    let [fraction, reports] = [0, 0];
    const started = startHeadlessPeer({
      serverUrl: 'http://127.0.0.1:1',
      seedFile: path,
      onHashProgress: (hashed) => {
        fraction = hashed;
        reports++;
      },
    });
    await expect(started).rejects.toThrow(/cannot reach the signalling server/);
    const reportsAtRejection = reports;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The chunk being read as it failed, at most.
    expect(reports - reportsAtRejection).toBeLessThanOrEqual(1);
    expect(fraction).toBeLessThan(0.5);
  });

  it('stops hashing a file to seed at the next chunk once aborted, with the abort’s reason', async () => {
    const path = join(tempDir(), 'lecture.bin');
    writeFileSync(path, Buffer.alloc(8 * 1024 * 1024, 7));
    const aborting = new AbortController();
    const fractions: number[] = [];
    const reason = new HeadlessPeerError('interrupted before the peer was in its swarm', 130);
    const opening = openSeedFile(
      path,
      (fraction) => {
        fractions.push(fraction);
        aborting.abort(reason);
      },
      aborting.signal,
    );
    // Before: the whole file was hashed first (minutes for gigabytes), and the abort went unheard.
    await expect(opening).rejects.toBe(reason);
    expect(fractions).toHaveLength(1);
    expect(fractions[0]).toBeLessThan(1);
  });

  it('names the file in its manifest as any system may carry it: a backslash becomes _', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swarmlab-seed-'));
    dirs.push(dir);
    const path = join(dir, 'notes\\v2.txt');
    writeFileSync(path, 'the lecture notes, second version\n');
    const seed = await openSeedFile(path);
    try {
      expect(seed.manifest.name).toBe('notes_v2.txt');
      expect(seed.manifest.sizeBytes).toBe(34);
    } finally {
      await seed.close();
    }
  });
});
