import { describe, expect, it } from 'vitest';
import {
  checkServerAnswer,
  checkServerEvent,
  DEFAULT_RUN_CONFIG,
  NO_UNLISTED_PARTICIPANTS,
  type RunState,
} from '../src/index';

/** A finished run of one seeder and one leecher as a server broadcasts it. */
const finishedRun = {
  runNumber: 2,
  phase: 'finished',
  config: DEFAULT_RUN_CONFIG,
  startedAtEpochMs: 1_700_000_000_000,
  elapsedMs: 5000,
  distributionMs: 4000,
  participants: (['seeder', 'leecher'] as const).map((role, index) => ({
    peerId: `peer${index}`,
    role,
    settings: { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false },
    completedAfterMs: role === 'leecher' ? 4000 : null,
    uploadedBytes: role === 'seeder' ? 1024 : 0,
    downloadedBytes: role === 'seeder' ? 0 : 1024,
    present: true,
    leftRun: false,
    flagged: null,
    witnessedBytes: role === 'seeder' ? 0 : 1024,
    corroborated: role === 'leecher',
    peakUploadBytesPerSec: role === 'seeder' ? 2e6 : 0,
  })),
  abandonedLeechers: 0,
  restoredAfterMs: null,
  interruption: null,
};
/** A leecher's row of the swarm's table, as a server broadcasts it. */
const peerRow = (peerId: string) => ({
  peerId,
  role: 'leecher',
  report: null,
  joinedAfterMs: 0,
  override: {},
  flagged: null,
  away: false,
});
const progressOf = (run: unknown) => ({
  swarmId: 'AAAAAAAAAAAAAAAAAAAAAA',
  peers: [],
  config: DEFAULT_RUN_CONFIG,
  run,
  flows: [],
});

describe('a swarm:progress broadcast', () => {
  it('carries each participant’s upload peak of the run', () => {
    const checked = checkServerEvent('swarm:progress', progressOf(finishedRun));
    expect(checked).toMatchObject({ ok: true });
    if (!checked.ok) return;
    expect(checked.value.run?.participants.map((participant) => participant.peakUploadBytesPerSec)).toEqual([2e6, 0]);
  });

  it('reads a name this version refuses, from a server of an earlier one, as none: the rest of the table stands', () => {
    const checked = checkServerEvent('swarm:progress', {
      ...progressOf(finishedRun),
      peers: [
        { ...peerRow('peer0'), name: '★ Ana' },
        { ...peerRow('peer1'), name: 'Grace' },
      ],
    });
    expect(checked).toMatchObject({ ok: true });
    if (!checked.ok) return;
    expect(checked.value.peers.map((peer) => peer.name)).toEqual([null, 'Grace']);
  });

  it('takes a run from a server of an earlier version, without peaks, as one without a peak', () => {
    const earlier = {
      ...finishedRun,
      participants: finishedRun.participants.map(({ peakUploadBytesPerSec: _, ...participant }) => participant),
    };
    const checked = checkServerEvent('swarm:progress', progressOf(earlier));
    expect(checked).toMatchObject({ ok: true });
    if (!checked.ok) return;
    const run: RunState | null = checked.value.run;
    expect(run?.participants.map((participant) => participant.peakUploadBytesPerSec)).toEqual([0, 0]);
    expect(run?.unlisted).toEqual(NO_UNLISTED_PARTICIPANTS);
    expect(run?.uncountedUploadedBytes).toBe(0);
    expect(run?.participants.map((participant) => participant.tookPartAfterMs)).toEqual([0, 0]);
  });

  it('carries what the participants the run no longer lists count for, and refuses a count that is no count', () => {
    const unlisted = {
      leechers: 70,
      uploadBytesPerSec: 7e7,
      uploadEstimated: false,
      minDownloadBytesPerSec: 2e6,
      uploadedBytes: 5e9,
      downloadedBytes: 7e9,
    };
    const checked = checkServerEvent('swarm:progress', progressOf({ ...finishedRun, unlisted }));
    expect(checked.ok && checked.value.run?.unlisted).toEqual(unlisted);
    for (const wrong of [{ leechers: -1 }, { leechers: 1.5 }, { minDownloadBytesPerSec: 0 }, { uploadedBytes: NaN }])
      expect(
        checkServerEvent('swarm:progress', progressOf({ ...finishedRun, unlisted: { ...unlisted, ...wrong } })),
      ).toMatchObject({ ok: false });
  });
});

describe('a run’s start time', () => {
  it('is refused past what a Date holds: the record of the run threw making its date, in the table’s handler', () => {
    for (const startedAtEpochMs of [8.64e15 + 1, 1e16, -1e16, Infinity])
      expect(checkServerEvent('swarm:progress', progressOf({ ...finishedRun, startedAtEpochMs }))).toMatchObject({
        ok: false,
      });
    expect(checkServerEvent('swarm:progress', progressOf({ ...finishedRun, startedAtEpochMs: 8.64e15 }))).toMatchObject(
      { ok: true },
    );
  });
});

describe('a swarm:progress table with an entry listed twice', () => {
  const flow = (from: string, to: string) => ({ from, to, bytesPerSec: 1000 });

  it('is refused: a peer, a participant or a flow twice (keyed lists stopped drawing, N counted it twice)', () => {
    const tables = {
      peer: { ...progressOf(finishedRun), peers: [peerRow('peer1'), peerRow('peer1')] },
      participant: progressOf({
        ...finishedRun,
        participants: [...finishedRun.participants, finishedRun.participants[1]],
      }),
      flow: { ...progressOf(finishedRun), flows: [flow('peer0', 'peer1'), flow('peer0', 'peer1')] },
    };
    for (const [what, table] of Object.entries(tables)) {
      const checked = checkServerEvent('swarm:progress', table);
      expect(checked.ok ? 'accepted' : checked.problem).toContain(`a ${what} listed twice`);
    }
  });

  it('is taken when the entries differ: two peers, both flows of a pair', () => {
    const table = {
      ...progressOf(finishedRun),
      peers: [peerRow('peer0'), peerRow('peer1')],
      flows: [flow('peer0', 'peer1'), flow('peer1', 'peer0')],
    };
    expect(checkServerEvent('swarm:progress', table)).toMatchObject({ ok: true });
  });
});

describe('messages from a server a version ahead', () => {
  it('are read with the fields this version knows, however deep the field it adds', () => {
    const settings = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false, weight: 2 };
    const config = { ...DEFAULT_RUN_CONFIG, pieceSelection: 'rarest' };
    expect(checkServerEvent('run:started', { runNumber: 1, config, settings: { peer0: settings } })).toMatchObject({
      ok: true,
    });
    const run = {
      ...finishedRun,
      config,
      participants: finishedRun.participants.map((participant) => ({ ...participant, settings })),
    };
    expect(checkServerEvent('swarm:progress', { ...progressOf(run), config })).toMatchObject({ ok: true });
  });

  it('are still refused where a known field is wrong', () => {
    const config = { ...DEFAULT_RUN_CONFIG, mode: 'broadcast' };
    expect(checkServerEvent('run:started', { runNumber: 1, config, settings: {} })).toMatchObject({ ok: false });
  });
});

describe('the answer to a swarm:resume', () => {
  const resumed = {
    ok: true,
    swarmId: 'AAAAAAAAAAAAAAAAAAAAAA',
    peers: ['peer0'],
    run: null,
    inControl: false,
    joinCode: 'ABCDEF',
    registeredAgain: true,
    placeKept: false,
  };
  const iceServers = [{ urls: ['turn:turn.test.invalid:3478'], username: 'class', credential: 'secret' }];

  it('carries the server’s ICE servers, as a join’s answer does: a tab back connects with them from then on', () => {
    expect(checkServerAnswer('swarm:restore', { ...resumed, iceServers })).toEqual({
      ok: true,
      value: { ...resumed, iceServers },
    });
  });

  it('is taken without them from a server of an earlier version (the tab keeps its own), refused with a wrong list', () => {
    const checked = checkServerAnswer('swarm:resume', resumed);
    expect(checked.ok && checked.value.ok && checked.value.iceServers).toBeUndefined();
    expect(checkServerAnswer('swarm:resume', { ...resumed, iceServers: [{ username: 'class' }] })).toMatchObject({
      ok: false,
    });
  });
});
