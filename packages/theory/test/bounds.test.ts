import { describe, expect, it } from 'vitest';
import {
  clientServerBound,
  clientServerBoundOfTotals,
  clientServerBoundSec,
  p2pBound,
  p2pBoundOfTotals,
  p2pBoundSec,
  TheoryInputError,
  type P2pInput,
} from '../src/index';

const SECONDS_PER_HOUR = 3600;

/**
 * The textbook figure (Kurose & Ross §2.5, restated in docs/THEORY.md): F/u = 1 hour, u_s = 10u,
 * d_min >= u_s so the download term never binds.
 */
function textbookSwarm(peerCount: number, peerDownloadBytesPerSec = 10e6): P2pInput {
  const peerUploadBytesPerSec = 1e6;
  return {
    peerCount,
    fileBytes: SECONDS_PER_HOUR * peerUploadBytesPerSec,
    serverUploadBytesPerSec: 10 * peerUploadBytesPerSec,
    peerUploadBytesPerSec: new Array<number>(peerCount).fill(peerUploadBytesPerSec),
    peerDownloadBytesPerSec: new Array<number>(peerCount).fill(peerDownloadBytesPerSec),
  };
}

describe('textbook reference values', () => {
  const peerCounts = [1, 2, 5, 10, 20, 30, 50, 100, 1000];

  it.each(peerCounts)('D_cs = N/10 hours for N = %i', (peerCount) => {
    expect(clientServerBoundSec(textbookSwarm(peerCount)) / SECONDS_PER_HOUR).toBeCloseTo(peerCount / 10, 9);
  });

  it.each(peerCounts)('D_p2p = max(0.1, N/(N+10)) hours for N = %i', (peerCount) => {
    const expectedHours = Math.max(0.1, peerCount / (peerCount + 10));
    expect(p2pBoundSec(textbookSwarm(peerCount)) / SECONDS_PER_HOUR).toBeCloseTo(expectedHours, 9);
  });

  it('gives 3 h and 0.75 h for N = 30', () => {
    expect(clientServerBoundSec(textbookSwarm(30))).toBeCloseTo(3 * SECONDS_PER_HOUR, 6);
    expect(p2pBoundSec(textbookSwarm(30))).toBeCloseTo(0.75 * SECONDS_PER_HOUR, 6);
  });

  it('keeps D_p2p under 1 h as N grows while D_cs grows linearly', () => {
    const large = textbookSwarm(100_000);
    expect(p2pBoundSec(large)).toBeLessThan(SECONDS_PER_HOUR);
    expect(p2pBoundSec(large)).toBeGreaterThan(0.999 * SECONDS_PER_HOUR);
    expect(clientServerBoundSec(large)).toBeCloseTo(10_000 * SECONDS_PER_HOUR, 3);
  });

  it('gives the same values when downloads are unlimited', () => {
    const unlimited = textbookSwarm(30, Infinity);
    expect(clientServerBoundSec(unlimited)).toBeCloseTo(3 * SECONDS_PER_HOUR, 6);
    expect(p2pBoundSec(unlimited)).toBeCloseTo(0.75 * SECONDS_PER_HOUR, 6);
  });
});

describe('binding term', () => {
  it('is the server upload for client-server and the total upload for P2P in the textbook swarm', () => {
    const swarm = textbookSwarm(30);
    expect(clientServerBound(swarm).bindingTerm).toBe('server-upload');
    expect(p2pBound(swarm).bindingTerm).toBe('total-upload');
  });

  it('is the server upload F/u_s for P2P when peers out-upload the server', () => {
    const bound = p2pBound({ ...textbookSwarm(2), peerUploadBytesPerSec: [50e6, 50e6] });
    expect(bound.bindingTerm).toBe('server-upload');
    expect(bound.seconds).toBeCloseTo(360, 9);
  });

  it('is the slowest download when one peer has a slow link', () => {
    const swarm: P2pInput = { ...textbookSwarm(3), peerDownloadBytesPerSec: [Infinity, 100e3, 10e6] };
    const fileOverSlowestSec = 3.6e9 / 100e3;
    expect(clientServerBound(swarm)).toMatchObject({ bindingTerm: 'slowest-download', seconds: fileOverSlowestSec });
    expect(p2pBound(swarm)).toMatchObject({ bindingTerm: 'slowest-download', seconds: fileOverSlowestSec });
  });

  it('reports every term of the max', () => {
    const { termSeconds } = p2pBound(textbookSwarm(30));
    expect(termSeconds['server-upload']).toBeCloseTo(360, 9);
    expect(termSeconds['slowest-download']).toBeCloseTo(360, 9);
    expect(termSeconds['total-upload']).toBeCloseTo(2700, 9);
    expect(clientServerBound(textbookSwarm(30)).termSeconds).toEqual({
      'server-upload': 10_800,
      'slowest-download': 360,
    });
  });

  it('breaks an exact tie in favour of the term listed first', () => {
    // N = 1 with d_min = u_s: N·F/u_s = F/d_min.
    expect(clientServerBound(textbookSwarm(1)).bindingTerm).toBe('server-upload');
  });

  it('treats peers that never upload as a client-server swarm', () => {
    const freeRiders: P2pInput = { ...textbookSwarm(30), peerUploadBytesPerSec: new Array<number>(30).fill(0) };
    expect(p2pBoundSec(freeRiders)).toBeCloseTo(clientServerBoundSec(freeRiders), 9);
  });

  it('sums unequal peer uploads', () => {
    const bound = p2pBound({
      peerCount: 3,
      fileBytes: 600,
      serverUploadBytesPerSec: 100,
      peerUploadBytesPerSec: [50, 100, 50],
      peerDownloadBytesPerSec: [Infinity, Infinity, Infinity],
    });
    // N·F/(u_s + Σu_i) = 1800 / 300 = 6 s; F/u_s = 6 s as well, and server-upload comes first.
    expect(bound).toMatchObject({ seconds: 6, bindingTerm: 'server-upload' });
  });
});

describe('a swarm whose departed peers uploaded', () => {
  it('counts what they uploaded against N·F in the total-upload term only, never below 0', () => {
    const swarm = textbookSwarm(30); // N·F/(u_s + Σu_i) = 30 h·u/40u = 0.75 h
    const F = swarm.fileBytes;
    expect(p2pBound({ ...swarm, uncountedUploadedBytes: 10 * F }).termSeconds['total-upload']).toBeCloseTo(
      (20 * F) / 40e6,
      6,
    );
    // More than N copies' worth: the term is 0, and F/u_s binds.
    expect(p2pBound({ ...swarm, uncountedUploadedBytes: 40 * F })).toMatchObject({
      bindingTerm: 'server-upload',
      termSeconds: { 'total-upload': 0 },
    });
    expect(p2pBoundSec({ ...swarm, uncountedUploadedBytes: 0 })).toBe(p2pBoundSec(swarm));
    for (const bad of [-1, Number.NaN, Infinity])
      expect(() => p2pBound({ ...swarm, uncountedUploadedBytes: bad })).toThrow(TheoryInputError);
  });
});

describe('input validation', () => {
  const valid = textbookSwarm(2);

  const invalidInputs: readonly (readonly [description: string, input: P2pInput, field: string])[] = [
    ['N = 0', { ...valid, peerCount: 0 }, 'peerCount'],
    ['non-integer N', { ...valid, peerCount: 1.5 }, 'peerCount'],
    ['NaN N', { ...valid, peerCount: NaN }, 'peerCount'],
    ['F = 0', { ...valid, fileBytes: 0 }, 'fileBytes'],
    ['negative F', { ...valid, fileBytes: -1 }, 'fileBytes'],
    ['infinite F', { ...valid, fileBytes: Infinity }, 'fileBytes'],
    ['u_s = 0', { ...valid, serverUploadBytesPerSec: 0 }, 'serverUploadBytesPerSec'],
    ['negative u_s', { ...valid, serverUploadBytesPerSec: -5 }, 'serverUploadBytesPerSec'],
    ['infinite u_s', { ...valid, serverUploadBytesPerSec: Infinity }, 'serverUploadBytesPerSec'],
    ['NaN u_s', { ...valid, serverUploadBytesPerSec: NaN }, 'serverUploadBytesPerSec'],
    ['d_i = 0', { ...valid, peerDownloadBytesPerSec: [1, 0] }, 'peerDownloadBytesPerSec[1]'],
    ['negative d_i', { ...valid, peerDownloadBytesPerSec: [-1, 1] }, 'peerDownloadBytesPerSec[0]'],
    ['NaN d_i', { ...valid, peerDownloadBytesPerSec: [1, NaN] }, 'peerDownloadBytesPerSec[1]'],
    ['too few d_i', { ...valid, peerDownloadBytesPerSec: [1] }, 'peerDownloadBytesPerSec'],
    ['negative u_i', { ...valid, peerUploadBytesPerSec: [1, -1] }, 'peerUploadBytesPerSec[1]'],
    ['infinite u_i', { ...valid, peerUploadBytesPerSec: [Infinity, 1] }, 'peerUploadBytesPerSec[0]'],
    ['too many u_i', { ...valid, peerUploadBytesPerSec: [1, 1, 1] }, 'peerUploadBytesPerSec'],
    // A hole, skipped by `forEach` and `reduce`, counted as no rate at all (u_i = 0, d_i unlimited).
    ['a hole among the u_i', { ...valid, peerUploadBytesPerSec: new Array<number>(2) }, 'peerUploadBytesPerSec[0]'],
    [
      'a hole among the d_i',
      { ...valid, peerDownloadBytesPerSec: Object.assign(new Array<number>(2), { 1: 1 }) },
      'peerDownloadBytesPerSec[0]',
    ],
    // From JavaScript: blamed for being too small.
    [
      'an undefined d_i',
      { ...valid, peerDownloadBytesPerSec: [1, undefined as unknown as number] },
      'peerDownloadBytesPerSec[1]',
    ],
    ['N·F beyond a double', { ...valid, fileBytes: 1e308 }, 'fileBytes'],
    ['Σu_i beyond a double', { ...valid, peerUploadBytesPerSec: [1e308, 1e308] }, 'peerUploadBytesPerSec'],
    // Finite and above 0, each, yet F over them is not: the bound came out as ∞.
    ['a d_i too small to divide by', { ...valid, peerDownloadBytesPerSec: [5e-324, 1] }, 'peerDownloadBytesPerSec'],
    ['a u_s too small to divide by', { ...valid, serverUploadBytesPerSec: 5e-324 }, 'serverUploadBytesPerSec'],
  ];

  it.each(invalidInputs)('rejects %s with a TheoryInputError naming the field', (_description, input, field) => {
    expect(() => p2pBound(input)).toThrow(TheoryInputError);
    expect(() => p2pBound(input)).toThrow(expect.objectContaining({ name: 'TheoryInputError', field }));
  });

  it('validates client-server inputs too, without needing upload rates', () => {
    expect(() => clientServerBound({ ...valid, peerDownloadBytesPerSec: [] })).toThrow(
      expect.objectContaining({ field: 'peerDownloadBytesPerSec' }),
    );
    const { peerUploadBytesPerSec: _unused, ...clientServerInput } = valid;
    expect(clientServerBoundSec(clientServerInput)).toBeCloseTo(720, 9);
  });

  it('accepts zero peer upload and unlimited download', () => {
    expect(() =>
      p2pBound({ ...valid, peerUploadBytesPerSec: [0, 0], peerDownloadBytesPerSec: [Infinity, Infinity] }),
    ).not.toThrow();
  });
});

describe('a swarm given by its totals', () => {
  const totalsOf = (swarm: P2pInput) => ({
    peerCount: swarm.peerCount,
    fileBytes: swarm.fileBytes,
    serverUploadBytesPerSec: swarm.serverUploadBytesPerSec,
    totalPeerUploadBytesPerSec: swarm.peerUploadBytesPerSec.reduce((sum, rate) => sum + rate, 0),
    minPeerDownloadBytesPerSec: Math.min(...swarm.peerDownloadBytesPerSec),
  });

  it('has the bounds of the same swarm given peer by peer', () => {
    for (const swarm of [textbookSwarm(1), textbookSwarm(30), textbookSwarm(30, 0.5e6)]) {
      expect(p2pBoundOfTotals(totalsOf(swarm))).toEqual(p2pBound(swarm));
      expect(clientServerBoundOfTotals(totalsOf(swarm))).toEqual(clientServerBound(swarm));
    }
    const departed = { ...textbookSwarm(4), uncountedUploadedBytes: 1e9 };
    expect(p2pBoundOfTotals({ ...totalsOf(departed), uncountedUploadedBytes: 1e9 })).toEqual(p2pBound(departed));
  });

  it('takes a count no list could hold, in the time of a few', () => {
    const swarm = { ...totalsOf(textbookSwarm(1)), peerCount: 2 ** 40, totalPeerUploadBytesPerSec: 2 ** 40 * 1e6 };
    expect(p2pBoundOfTotals(swarm).bindingTerm).toBe('total-upload');
    expect(clientServerBoundOfTotals(swarm).seconds).toBeCloseTo((2 ** 40 * 3600e6) / 10e6, 0);
  });

  it.each([
    ['N = 0', { peerCount: 0 }, 'peerCount'],
    ['a fractional N', { peerCount: 2.5 }, 'peerCount'],
    ['F = 0', { fileBytes: 0 }, 'fileBytes'],
    ['u_s = 0', { serverUploadBytesPerSec: 0 }, 'serverUploadBytesPerSec'],
    ['a negative Σu_i', { totalPeerUploadBytesPerSec: -1 }, 'totalPeerUploadBytesPerSec'],
    ['a NaN Σu_i', { totalPeerUploadBytesPerSec: NaN }, 'totalPeerUploadBytesPerSec'],
    ['a Σu_i past a double', { totalPeerUploadBytesPerSec: Infinity }, 'totalPeerUploadBytesPerSec'],
    ['d_min = 0', { minPeerDownloadBytesPerSec: 0 }, 'minPeerDownloadBytesPerSec'],
    ['negative uncounted bytes', { uncountedUploadedBytes: -1 }, 'uncountedUploadedBytes'],
    ['N·F beyond a double', { peerCount: 2 ** 52, fileBytes: 1e300 }, 'fileBytes'],
  ])('refuses %s with a TheoryInputError naming the field', (_description, change, field) => {
    const totals = { ...totalsOf(textbookSwarm(2)), ...change };
    expect(() => p2pBoundOfTotals(totals)).toThrow(expect.objectContaining({ name: 'TheoryInputError', field }));
    if (field !== 'totalPeerUploadBytesPerSec' && field !== 'uncountedUploadedBytes')
      expect(() => clientServerBoundOfTotals(totals)).toThrow(expect.objectContaining({ field }));
    // Σu_i and the departed peers' bytes play no part in D_cs, as `clientServerBound` takes neither.
    else expect(clientServerBoundOfTotals(totals)).toEqual(clientServerBound(textbookSwarm(2)));
  });
});
