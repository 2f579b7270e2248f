import { DEFAULT_RUN_CONFIG, resolvePeerSettings, type PeerId, type ResumedRun } from '@swarmlab/protocol';
import { pollUntil, testFile, type TestFile } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SignallingClient, type SignallingConnection } from '../src/signalling-client';
import { rejoinRequestOf, SwarmRejoin, type RejoinRequest, type RejoinStatus } from '../src/swarm-rejoin';

/** socket.io's reconnection backoff reaches 5 s at most: a few of those. */
const WAIT_MS = 20_000;

const servers: TestSignallingServer[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serverOn(port?: number): Promise<TestSignallingServer> {
  const server = await startSignallingServer({ ...(port !== undefined && { port }), limits: { memberGraceMs: 5000 } });
  servers.push(server);
  return server;
}

const until = <T>(read: () => T | undefined, what: string): Promise<T> => pollUntil(read, what, WAIT_MS);

interface Member {
  readonly client: SignallingClient;
  readonly statuses: RejoinStatus[];
  readonly connections: SignallingConnection[];
}

/** A member of the swarm on `file`, taking its place back with `request` whenever its connection returns. */
function member(client: SignallingClient, request: () => RejoinRequest | undefined): Member {
  const statuses: RejoinStatus[] = [];
  const connections: SignallingConnection[] = [];
  const rejoin = new SwarmRejoin(client, { request, onStatus: (status) => statuses.push(status) });
  const unsubscribe = client.onConnectionChange((connection) => connections.push(connection));
  cleanups.push(() => {
    rejoin.close();
    unsubscribe();
    client.disconnect();
  });
  return { client, statuses, connections };
}

function runAsKnown(
  role: 'seeder' | 'leecher',
  participants: { peerId: PeerId; role: 'seeder' | 'leecher' }[],
): ResumedRun {
  return {
    runNumber: 1,
    config: DEFAULT_RUN_CONFIG,
    settings: resolvePeerSettings(DEFAULT_RUN_CONFIG, {}, role),
    elapsedMs: 2000,
    completedAfterMs: null,
    participants,
  };
}

describe('SwarmRejoin', () => {
  let file: TestFile;
  beforeAll(async () => {
    file = await testFile(64 * 1024, 16 * 1024);
  });

  it('registers the swarm again after the server restarts, under the same link, and late joiners get in', async () => {
    const first = await serverOn();
    const seederClient = SignallingClient.connect(first.url);
    const created = await seederClient.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    const leecherClient = SignallingClient.connect(first.url);
    const joined = await leecherClient.joinSwarm({ swarmId: created.swarmId });
    if (!joined.ok) throw new Error(joined.error.message);
    const participants = [
      { peerId: created.peerId, role: 'seeder' as const },
      { peerId: joined.peerId, role: 'leecher' as const },
    ];
    const fileOf = { manifest: file.manifest, contentId: file.contentId };
    const place = { swarmId: created.swarmId, ...fileOf };
    // Built as a tab and a headless peer build theirs; the leecher holds no control secret.
    const seeder = member(seederClient, () =>
      rejoinRequestOf(
        {
          ...place,
          peerId: created.peerId,
          memberKey: created.memberKey,
          seal: created.seal,
          role: 'seeder',
          control: created.controlSecret,
        },
        runAsKnown('seeder', participants),
      ),
    );
    const leecher = member(leecherClient, () =>
      rejoinRequestOf(
        {
          ...place,
          peerId: joined.peerId,
          memberKey: joined.memberKey,
          seal: joined.seal,
          role: 'leecher',
          control: undefined,
        },
        runAsKnown('leecher', participants),
      ),
    );

    await first.close();
    await until(() => seeder.statuses.find((status) => status.state === 'lost'), 'the seeder to notice');
    // While lost, requests answer at once rather than wait in socket.io's buffer for the next connection.
    expect(await seederClient.reportProgress({} as never)).toMatchObject({
      ok: false,
      error: { code: 'signalling-lost' },
    });

    const second = await serverOn(first.port);
    const seederBack = await until(
      () => seeder.statuses.find((status) => status.state === 'back'),
      'the seeder to take its place back',
    );
    const leecherBack = await until(
      () => leecher.statuses.find((status) => status.state === 'back'),
      'the leecher to take its place back',
    );
    const backStates = [seederBack, leecherBack].map((status) => (status.state === 'back' ? status : undefined));
    // Exactly one of them registered the swarm again; the other found it there.
    expect(backStates.filter((status) => status?.resumed.registeredAgain).length).toBe(1);
    // Neither kept its place: the server had forgotten both, so both tell their names again.
    expect(backStates.map((status) => status?.resumed.placeKept)).toEqual([false, false]);
    expect(backStates.map((status) => status?.resumed.run?.runNumber)).toEqual([1, 1]);
    expect(seeder.connections.some((connection) => connection.state === 'lost' && connection.attempt > 0)).toBe(true);

    const late = SignallingClient.connect(second.url);
    cleanups.push(() => late.disconnect());
    const lateJoined = await late.joinSwarm({ swarmId: created.swarmId });
    expect(lateJoined).toMatchObject({ ok: true, contentId: file.contentId, run: { runNumber: 1 } });
    if (lateJoined.ok) expect([...lateJoined.peers].sort()).toEqual([created.peerId, joined.peerId].sort());
  }, 60_000);
});
