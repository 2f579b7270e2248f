import {
  DEFAULT_RUN_CONFIG,
  resolvePeerSettings,
  type PeerId,
  type ResumedRun,
  type SignallingErrorCode,
  type SignallingResult,
  type SwarmResumed,
} from '@swarmlab/protocol';
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

/** A signalling client as `SwarmRejoin` sees it, answering resumes from a script. */
class ScriptedSignalling {
  readonly #listeners = new Set<(connection: SignallingConnection) => void>();
  readonly answers: SignallingResult<SwarmResumed>[] = [];
  resumes = 0;
  reconnects = 0;
  connectionNumber = 1;
  connection: SignallingConnection = { state: 'connected' };

  onConnectionChange(listener: (connection: SignallingConnection) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  set(connection: SignallingConnection): void {
    if (connection.state === 'connected') this.connectionNumber++;
    this.connection = connection;
    for (const listener of this.#listeners) listener(connection);
  }

  resumeSwarm(): Promise<SignallingResult<SwarmResumed>> {
    this.resumes++;
    return Promise.resolve(this.answers.shift() ?? { ok: false, error: { code: 'internal-error', message: 'none' } });
  }

  reconnect(): void {
    this.reconnects++;
    this.set({ state: 'lost', attempt: 0 });
    this.set({ state: 'connected' });
  }

  get client(): SignallingClient {
    return this as unknown as SignallingClient;
  }
}

describe('SwarmRejoin against a scripted server', () => {
  const resumed = { ok: true, swarmId: 'S'.repeat(22) } as unknown as SignallingResult<SwarmResumed>;
  const refused = (code: SignallingErrorCode): SignallingResult<SwarmResumed> => ({
    ok: false,
    error: { code, message: code },
  });
  const request = { resume: {}, file: {} } as unknown as RejoinRequest;

  function rejoining(signalling: ScriptedSignalling, place: () => RejoinRequest | undefined = () => request) {
    const statuses: RejoinStatus[] = [];
    const rejoin = new SwarmRejoin(signalling.client, {
      request: place,
      onStatus: (status) => statuses.push(status),
      retryDelayMs: 0.01,
    });
    cleanups.push(() => rejoin.close());
    return Object.assign(statuses, { rejoin });
  }

  it('tries a resume that timed out again on a new connection, where the server kept the place', async () => {
    const signalling = new ScriptedSignalling();
    // A second try on the same connection would be refused: the late answer had taken the place back.
    signalling.answers.push(refused('timeout'), resumed);
    const statuses = rejoining(signalling);
    signalling.set({ state: 'lost', attempt: 0 });
    signalling.set({ state: 'connected' });
    await until(() => statuses.find((status) => status.state === 'back'), 'the place taken back');
    expect(signalling.reconnects).toBe(1);
    expect(statuses.some((status) => status.state === 'failed')).toBe(false);
  });

  it('keeps trying while the server says it is busy, for as long as it says so', async () => {
    const signalling = new ScriptedSignalling();
    signalling.answers.push(...Array.from({ length: 10 }, () => refused('rate-limited')), resumed);
    const statuses = rejoining(signalling);
    signalling.set({ state: 'lost', attempt: 0 });
    signalling.set({ state: 'connected' });
    await until(() => statuses.find((status) => status.state === 'back'), 'the place taken back');
    expect([signalling.resumes, signalling.reconnects]).toEqual([11, 0]);
  });

  it('gives up on an answer that cannot change', async () => {
    const signalling = new ScriptedSignalling();
    signalling.answers.push(refused('swarm-full'));
    const statuses = rejoining(signalling);
    signalling.set({ state: 'lost', attempt: 0 });
    signalling.set({ state: 'connected' });
    await until(() => statuses.find((status) => status.state === 'failed'), 'the refusal');
    expect(signalling.resumes).toBe(1);
  });

  it('takes its place back as it enters, after a drop and a reconnection both while its join was checked', async () => {
    const signalling = new ScriptedSignalling();
    signalling.answers.push(resumed);
    const place: { current?: RejoinRequest } = {};
    const statuses = rejoining(signalling, () => place.current);
    const answeredOn = signalling.connectionNumber;
    signalling.set({ state: 'lost', attempt: 0 });
    signalling.set({ state: 'connected' });
    expect(signalling.resumes).toBe(0); // no place to take back yet
    place.current = request;
    statuses.rejoin.entered(answeredOn);
    await until(() => statuses.find((status) => status.state === 'back'), 'the place taken back');
    expect(signalling.resumes).toBe(1);
    // Entered on the connection its place was given on: nothing to take back.
    statuses.rejoin.entered(signalling.connectionNumber);
    expect(signalling.resumes).toBe(1);
  });

  it('takes its place back after a drop that came while its join was being checked', async () => {
    const signalling = new ScriptedSignalling();
    signalling.answers.push(resumed);
    const place: { current?: RejoinRequest } = {};
    const statuses = rejoining(signalling, () => place.current);
    signalling.set({ state: 'lost', attempt: 0 });
    place.current = request; // the join's answer checked: the tab has its place
    signalling.set({ state: 'connected' });
    await until(() => statuses.find((status) => status.state === 'back'), 'the place taken back');
    expect(signalling.resumes).toBe(1);
  });
});

describe('SignallingClient.reconnect against the real server', () => {
  it('is a drop, not a leave: the others hear nothing, and the place is taken back as kept', async () => {
    const server = await serverOn();
    const file = await testFile(64 * 1024, 16 * 1024);
    const seeder = SignallingClient.connect(server.url);
    const leecher = SignallingClient.connect(server.url);
    cleanups.push(
      () => seeder.disconnect(),
      () => leecher.disconnect(),
    );
    const created = await seeder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
    if (!created.ok) throw new Error(created.error.message);
    const joined = await leecher.joinSwarm({ swarmId: created.swarmId });
    if (!joined.ok) throw new Error(joined.error.message);
    const left: string[] = [];
    seeder.on('peer:left', ({ peerId }) => left.push(peerId));

    leecher.reconnect();
    await until(() => (leecher.connection.state === 'lost' ? true : undefined), 'the drop');
    await until(() => (leecher.connection.state === 'connected' ? true : undefined), 'the reconnection');
    const resumed = await leecher.resumeSwarm({
      swarmId: created.swarmId,
      peerId: joined.peerId,
      memberKey: joined.memberKey,
      seal: joined.seal,
      role: 'leecher',
      run: null,
    });
    expect(resumed).toMatchObject({ ok: true, placeKept: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(left).toEqual([]);
  });
});
