import { DEFAULT_RUN_CONFIG, MAX_CAP_BYTES_PER_SEC, MIN_CAP_BYTES_PER_SEC } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_TEST_FILE_MIB, MIN_TEST_FILE_MIB } from '../src/lib/test-file';
import {
  formatCap,
  hasPeerParams,
  parseCap,
  parsePeerParams,
  parseRunConfig,
  parseStartParams,
  runConfigText,
  seederOwnUpload,
  seederUploadCleared,
  startParams,
} from '../src/lib/run-settings';

describe('parseCap', () => {
  it('reads rates as people type them, empty meaning no cap', () => {
    expect(parseCap('2MB/s', 'u')).toEqual({ ok: true, value: 2_000_000 });
    expect(parseCap(' 1.5 MB/s ', 'u')).toEqual({ ok: true, value: 1_500_000 });
    expect(parseCap('500kB/s', 'u')).toEqual({ ok: true, value: 500_000 });
    expect(parseCap('1MiB/s', 'u')).toEqual({ ok: true, value: 1_048_576 });
    expect(parseCap('', 'u')).toEqual({ ok: true, value: null });
    // As the page writes a link without one ("no cap") and the peer editor takes it ("none").
    for (const noCap of ['none', 'No cap', ' nocap ', 'unlimited'])
      expect(parseCap(noCap, 'u'), noCap).toEqual({ ok: true, value: null });
  });

  it('quotes what was typed in its refusal, spaces and all', () => {
    expect(parseCap('2 MB/sec', 'u_s')).toMatchObject({ ok: false, message: expect.stringContaining('"2 MB/sec"') });
  });

  it.each([
    ['-1MB/s', 'negative'],
    ['0', `at least ${MIN_CAP_BYTES_PER_SEC}`],
    ['9kB/s', `at least ${MIN_CAP_BYTES_PER_SEC}`],
    ['11GB/s', `at most ${MAX_CAP_BYTES_PER_SEC}`],
    ['fast', 'not a number'],
    ['2 Mbit/s', 'in bits (a lower-case b is a bit); swarmlab works in bytes (8 bits): that is 0.25MB/s'],
  ])('refuses %s with a message naming the field and the problem', (text, problem) => {
    const parsed = parseCap(text, 'Peer upload u_i');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toContain('Peer upload u_i');
      expect(parsed.message).toContain(problem);
    }
  });

  it('says to write none for no cap where empty follows the swarm’s (a peer’s links), not to leave it empty', () => {
    for (const text of ['0', '9kB/s']) {
      const parsed = parseCap(text, 'Upload u_i', 'none');
      expect(parsed).toMatchObject({ ok: false, message: expect.stringContaining('write none for no cap') });
      if (!parsed.ok) expect(parsed.message).not.toContain('leave it empty');
    }
    expect(parseCap('0', 'u')).toMatchObject({ ok: false, message: expect.stringContaining('leave it empty') });
  });

  it('formats a cap so that it parses back to itself', () => {
    for (const rate of [10_000, 250_000, 1_000_000, 1_500_000, 2_000_000, 123_456_789]) {
      expect(parseCap(formatCap(rate), 'u')).toEqual({ ok: true, value: rate });
    }
    expect(formatCap(null)).toBe('');
  });

  it('writes a cap in the shortest unit that reads back exactly, never as a bare number', () => {
    expect(formatCap(2 * 2 ** 20)).toBe('2MiB/s');
    expect(formatCap(2_000_000)).toBe('2MB/s');
    expect(formatCap(12_345_678)).toBe('12345678B/s');
    for (const rate of [2 * 2 ** 20, 12_345_678, 1_000_100, 15_360]) {
      expect(formatCap(rate)).toMatch(/\/s$/);
      expect(parseCap(formatCap(rate), 'u')).toEqual({ ok: true, value: rate });
    }
  });
});

describe('run configuration', () => {
  it('round-trips through the form text', () => {
    const config = {
      mode: 'client-server' as const,
      seederUploadBytesPerSec: 2e6,
      peerUploadBytesPerSec: 1e6,
      peerDownloadBytesPerSec: null,
      leaveOnComplete: true,
    };
    expect(parseRunConfig(runConfigText(config))).toEqual({ ok: true, value: config });
  });

  it('reports every bad field at once', () => {
    const parsed = parseRunConfig({ mode: 'mesh', serverUp: '0', peerUp: '-2MB/s', peerDown: '', selfish: false });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.message).toContain('Architecture');
      expect(parsed.message).toContain('Seeder upload u_s');
      expect(parsed.message).toContain('Peer upload u_i');
      expect(parsed.message).not.toContain('Peer download');
    }
  });
});

describe('prepared links', () => {
  it('a start page link reproduces a configuration', () => {
    const config = {
      mode: 'p2p' as const,
      seederUploadBytesPerSec: 2e6,
      peerUploadBytesPerSec: 1e6,
      peerDownloadBytesPerSec: 4e6,
      leaveOnComplete: false,
    };
    expect(parseStartParams(startParams(config, 16))).toEqual({ ok: true, value: { config, fileMib: 16 } });
  });

  it('no parameters means the default configuration', () => {
    expect(parseStartParams('')).toEqual({ ok: true, value: { config: DEFAULT_RUN_CONFIG, fileMib: undefined } });
  });

  it('refuses a link with a bad cap, flag or size', () => {
    for (const search of ['?server-up=0', '?peer-up=-1', '?mode=star', '?selfish=maybe', '?file-mib=1.5']) {
      const parsed = parseStartParams(search);
      expect(parsed.ok, search).toBe(false);
      if (!parsed.ok) expect(parsed.message).toMatch(/^This link's settings are invalid: /);
    }
  });

  it('refuses a size the start page could not generate, naming the range (it was taken, and Generate blocked)', () => {
    expect(parseStartParams(`?file-mib=${MAX_TEST_FILE_MIB + 1}`)).toEqual({
      ok: false,
      message: `This link's settings are invalid: file-mib ${MAX_TEST_FILE_MIB + 1} is not a size from ${MIN_TEST_FILE_MIB} to ${MAX_TEST_FILE_MIB} MiB.`,
    });
    expect(parseStartParams(`?file-mib=${MAX_TEST_FILE_MIB}`)).toMatchObject({ ok: true });
  });

  it.each([
    ['?server_up=2MB/s', '"server_up" is not a setting: write server-up'],
    ['?Mode=client-server', '"Mode" is not a setting: write mode'],
    ['?serverUp=2MB/s', '"serverUp" is not a setting: write server-up'],
    ['?file_mib=16', '"file_mib" is not a setting: write file-mib'],
    ['?server-up=1MB/s&server-up=2MB/s', 'server-up is given more than once'],
    ['?file-mib=0x10', 'file-mib "0x10" is not a whole number'],
    ['?file-mib=1e3', 'file-mib "1e3" is not a whole number'],
    ['?file-mib=', 'file-mib "" is not a whole number'],
  ])('refuses a start link with %s, naming the key meant (it opened with the defaults)', (search, problem) => {
    expect(parseStartParams(search)).toEqual({ ok: false, message: `This link's settings are invalid: ${problem}.` });
  });

  it('leaves alone the keys of no setting a chat appends, and a peer’s settings on a start link', () => {
    expect(parseStartParams('?file-mib=16&utm_source=chat&fbclid=x&up=1MB/s')).toEqual({
      ok: true,
      value: { config: DEFAULT_RUN_CONFIG, fileMib: 16 },
    });
    expect(parsePeerParams('?up=1MB/s&utm_source=chat&fbclid=x&ref=', 'query')).toEqual({
      ok: true,
      value: { uploadBytesPerSec: 1e6 },
    });
  });

  it.each([
    ['?UP=1MB/s', '"UP" is not a setting: write up'],
    ['?Leave=1', '"Leave" is not a setting: write leave'],
    ['?up=1MB/s&up=2MB/s', 'up is given more than once'],
    ['?peer_up=1MB/s', '"peer_up" is not a setting of this link, which takes up, down and leave'],
    [
      'up=1MB/s&peer-up=1MB/s',
      'peer-up is a setting of the start page, for a new swarm; a swarm link takes up, down and leave',
    ],
    [
      'mode=p2p&peer-down=1MB/s',
      'mode and peer-down are settings of the start page, for a new swarm; a swarm link takes up, down and leave',
    ],
  ])('refuses a peer link with %s, naming the key meant (it joined uncapped)', (search, problem) => {
    // Written with its `?`, a page's query; without, settings after a swarm link's hash.
    const place = search.startsWith('?') ? 'query' : 'after-hash';
    expect(parsePeerParams(search, place)).toEqual({
      ok: false,
      message: `This link's settings are invalid: ${problem}.`,
    });
  });

  it('takes a start page’s settings before a swarm link’s hash, as a seeder’s address keeps them, not after it', () => {
    expect(parsePeerParams('?mode=p2p&server-up=2MB/s&up=1MB/s', 'query')).toEqual({
      ok: true,
      value: { uploadBytesPerSec: 1e6 },
    });
    expect(parsePeerParams('?peer-up=1MB/s', 'after-hash')).toMatchObject({ ok: false });
    expect(parsePeerParams('peer-up=1MB/s', 'query')).toEqual({ ok: true, value: {} });
  });

  it('counts a misspelled peer setting as one, so that a link giving settings twice is told so', () => {
    expect(hasPeerParams('?UP=1MB/s')).toBe(true);
    expect(hasPeerParams('?mode=p2p&peer-up=1MB/s&utm_source=x')).toBe(false);
  });

  it("reads one peer's own links from its swarm link", () => {
    expect(parsePeerParams('?up=1MB/s&down=4MB/s&leave=1', 'query')).toEqual({
      ok: true,
      value: { uploadBytesPerSec: 1e6, downloadBytesPerSec: 4e6, leaveOnComplete: true },
    });
    expect(parsePeerParams('', 'query')).toEqual({ ok: true, value: {} });
    const bad = parsePeerParams('?up=0&down=1e99', 'query');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain('up (this peer’s upload)');
  });
});

describe('the seeder’s own link beside the run form’s u_s', () => {
  const config = { ...DEFAULT_RUN_CONFIG, seederUploadBytesPerSec: 5e6 };
  const row = (override: { uploadBytesPerSec?: number | null }, overrideByControl?: boolean) => ({
    role: 'seeder' as const,
    override,
    ...(overrideByControl !== undefined && { overrideByControl }),
  });

  it('is said when the teacher set it: it stands over the form’s (5 MB/s typed, the run went at 2)', () => {
    expect(seederOwnUpload(config, [row({ uploadBytesPerSec: 2e6 }, true)])).toBe(2e6);
    expect(seederOwnUpload(config, [row({ uploadBytesPerSec: null }, true)])).toBeNull();
  });

  it('is not said when the form’s stands: no own link, or the same rate; nor for a leecher’s own link', () => {
    expect(seederOwnUpload(config, [row({})])).toBeUndefined();
    expect(seederOwnUpload(config, [row({ uploadBytesPerSec: 5e6 }, true)])).toBeUndefined();
    expect(
      seederOwnUpload(config, [{ role: 'leecher', override: { uploadBytesPerSec: 2e6 }, overrideByControl: true }]),
    ).toBeUndefined();
  });
});

describe('clearing the seeder’s own upload from the run form', () => {
  it('keeps the rest of its row and names the seeder, not another member', () => {
    const peers = [
      { peerId: 'leecher-1', role: 'leecher' as const, override: { uploadBytesPerSec: 1e6 } },
      { peerId: 'seeder-1', role: 'seeder' as const, override: { uploadBytesPerSec: null, downloadBytesPerSec: 3e6 } },
    ];
    expect(seederUploadCleared(peers)).toEqual({ peerId: 'seeder-1', override: { downloadBytesPerSec: 3e6 } });
  });

  it('has nothing to clear without a seeder or when its row sets no upload', () => {
    expect(
      seederUploadCleared([{ peerId: 'l', role: 'leecher', override: { uploadBytesPerSec: 1e6 } }]),
    ).toBeUndefined();
    expect(
      seederUploadCleared([{ peerId: 's', role: 'seeder', override: { downloadBytesPerSec: 1e6 } }]),
    ).toBeUndefined();
  });
});
