import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { incrementalSha256 } from '../src/lib/incremental-sha256';
import { portableSha256 } from '../src/lib/page-sha256';

const bytes = Uint8Array.from({ length: 300_001 }, (_, index) => (index * 31 + 7) & 0xff);

describe('SHA-256 without WebCrypto (plain-http pages, files no tab may hold whole)', () => {
  it('hashes part after part as noble hashes the whole, and starts over after a reset', async () => {
    const hasher = await incrementalSha256();
    expect(hasher.kind).toBe('wasm');
    for (let offset = 0; offset < bytes.length; offset += 65_536)
      hasher.update(bytes.subarray(offset, offset + 65_536));
    expect(bytesToHex(hasher.digest())).toBe(bytesToHex(sha256(bytes)));
    hasher.reset();
    hasher.update(bytes.subarray(0, 3));
    expect(bytesToHex(hasher.digest())).toBe(bytesToHex(sha256(bytes.subarray(0, 3))));
  });

  it('falls back to JavaScript where the page may not compile WebAssembly, and says so once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    const disabled = () => Promise.reject(new WebAssembly.CompileError('WebAssembly is disabled'));
    const hasher = await incrementalSha256(disabled);
    expect(hasher.kind).toBe('js');
    await incrementalSha256(disabled);
    expect(warn).toHaveBeenCalledTimes(1);
    hasher.update(bytes.subarray(0, 100_000));
    hasher.update(bytes.subarray(100_000));
    expect(bytesToHex(hasher.digest())).toBe(bytesToHex(sha256(bytes)));
    hasher.reset();
    expect(bytesToHex(hasher.digest())).toBe(bytesToHex(sha256(new Uint8Array())));
  });

  it('gives every one of many concurrent chunk hashes its own digest, though the page shares one hasher', async () => {
    const parts = Array.from({ length: 40 }, (_, index) =>
      bytes.subarray(index * 7_000, index * 7_000 + 5_000 + index),
    );
    const digests = await Promise.all(parts.map((part) => portableSha256(part)));
    expect(digests.map(bytesToHex)).toEqual(parts.map((part) => bytesToHex(sha256(part))));
  });
});
