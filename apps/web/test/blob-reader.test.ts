import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { readBlobInto } from '../src/lib/blob-reader';

const BYTES = 3 * 1024 * 1024 + 17;
const content = Uint8Array.from({ length: BYTES }, (_, i) => (i * 31) & 0xff);

describe('readBlobInto', () => {
  it('reads slice after slice into one memory, each a view of it', async () => {
    const blob = new Blob([content]);
    let memory = new ArrayBuffer(256 * 1024);
    for (const offset of [0, 256 * 1024, BYTES - 1000]) {
      const slice = blob.slice(offset, offset + 256 * 1024);
      const bytes = await readBlobInto(slice, memory);
      expect(bytes.length).toBe(slice.size);
      expect(bytes.buffer.byteLength).toBe(256 * 1024); // the memory handed in, not a copy of the slice
      expect(bytesToHex(sha256(bytes))).toBe(bytesToHex(sha256(content.subarray(offset, offset + 256 * 1024))));
      memory = bytes.buffer as ArrayBuffer;
    }
  });

  it('reads a blob of blobs as one', async () => {
    const pieces = [0, 1, 2, 3].map((i) => new Blob([content.subarray(i * 1000, (i + 1) * 1000)]));
    const bytes = await readBlobInto(new Blob(pieces), new ArrayBuffer(4096));
    expect(bytesToHex(sha256(bytes))).toBe(bytesToHex(sha256(content.subarray(0, 4000))));
  });

  it('falls back to a copy where Blob streams are not byte streams', async () => {
    const real = new Blob([content.subarray(0, 5000)]);
    const plainStream = (): ReadableStream<Uint8Array> => {
      const stream = real.stream();
      return Object.assign(stream, {
        getReader(options?: { mode?: 'byob' }) {
          if (options?.mode === 'byob') throw new TypeError('not a byte stream');
          return ReadableStream.prototype.getReader.call(stream);
        },
      });
    };
    const blob = { size: real.size, stream: plainStream } as unknown as Blob;
    const bytes = await readBlobInto(blob, new ArrayBuffer(8192));
    expect(bytesToHex(sha256(bytes))).toBe(bytesToHex(sha256(content.subarray(0, 5000))));
  });

  it('refuses a blob larger than the memory it is given', async () => {
    await expect(readBlobInto(new Blob([content]), new ArrayBuffer(1024))).rejects.toThrow(RangeError);
  });
});
