import {
  DEFAULT_RUN_CONFIG,
  type PeerRole,
  type ProgressReport,
  type ResumedRun,
  type RunConfig,
} from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { controlDigestOf, memberKeyDigestOf } from '../src/control-secret';
import { createSwarmRegistry, type SwarmRegistry, type SwarmRegistryLimits } from '../src/swarm-registry';
import type { SwarmRecord } from '../src/swarm-record';
import { sealOf, swarmIdOfSeal } from '../src/swarm-seal';
import { complete, FILE_BYTES, leeching, makeManifest } from './harness';

/**
 * A shared store (Redis) keeps each swarm as its record between requests: every request of a process reads the
 * record, applies itself and writes it back. Whatever a swarm goes through, a registry that keeps it in memory and
 * one that takes it in from its record before every request must answer alike and come out alike; a field one of
 * them forgets (a wait, a floor, a flag) shows here as the two parting.
 */

const LIMITS: SwarmRegistryLimits = {
  maxSwarms: 10,
  maxPeersPerSwarm: 6,
  maxWatchersPerSwarm: 4,
  maxWatchersPerAddressInSwarm: 4,
  memberGraceMs: 30_000,
};
const SEEDS = 300;
const STEPS_PER_SEED = 80;
const CAPPED: RunConfig = {
  ...DEFAULT_RUN_CONFIG,
  seederUploadBytesPerSec: 20_000,
  peerUploadBytesPerSec: 20_000,
  peerDownloadBytesPerSec: 20_000,
};
const NO_CAPS = { uploadBytesPerSec: null, downloadBytesPerSec: null, leaveOnComplete: false };

/** A deterministic stream of numbers in [0, 1) (a linear congruential generator). */
function randomOf(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Tab {
  readonly peerId: string;
  readonly key: string;
  socketId: string | null;
}

/** What a request answered, as far as both registries must agree. */
function answerOf(answer: unknown): string {
  if (answer === undefined) return 'undefined';
  const { ok, code, run, started } = answer as Record<string, unknown>;
  return JSON.stringify({ ok, code, run: run ?? started });
}

describe('a swarm kept in memory and one taken in from its record before every request', () => {
  it('answer alike and come out alike, through joins, reloads, restarts, restores, runs and reports', async () => {
    const { manifest, contentId } = await makeManifest();
    const seal = sealOf('salt', controlDigestOf('secret'));
    const swarmId = swarmIdOfSeal(seal, contentId);
    const divergences: string[] = [];
    for (let seed = 1; seed <= SEEDS && divergences.length === 0; seed++) {
      const random = randomOf(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      let nowMs = 1000;
      const clock = { nowMs: () => nowMs, epochNowMs: () => 1_700_000_000_000 + nowMs };
      let inMemory = createSwarmRegistry({ limits: LIMITS, ...clock });
      const founder = { peerId: 'seed', socketId: 's0', keyDigest: memberKeyDigestOf('k-seed'), address: 'a0' };
      inMemory.create({ swarmId, contentId, manifest, seal, founder });
      let record: SwarmRecord | undefined = structuredClone(inMemory.exportSwarm(swarmId));
      const tabs: Tab[] = [{ peerId: 'seed', key: 'k-seed', socketId: 's0' }];
      let sockets = 1;
      const steps: string[] = [];
      for (let step = 0; step < STEPS_PER_SEED; step++) {
        const fromRecord = createSwarmRegistry({ limits: LIMITS, ...clock });
        if (record) fromRecord.importSwarm(structuredClone(record), manifest);
        const both = (request: (registry: SwarmRegistry) => unknown): [string, string] => [
          answerOf(request(inMemory)),
          answerOf(request(fromRecord)),
        ];
        const runNumber = inMemory.progressOf(swarmId)?.run?.runNumber ?? 1;
        const draw = random();
        let what: string;
        let answers: [string, string];
        if (draw < 0.12) {
          const tab: Tab = { peerId: `p${tabs.length}`, key: `k-p${tabs.length}`, socketId: `s${sockets++}` };
          tabs.push(tab);
          what = `join ${tab.peerId}`;
          const member = { ...tab, socketId: tab.socketId!, keyDigest: memberKeyDigestOf(tab.key), address: 'a1' };
          answers = both((registry) => registry.join(swarmId, member));
        } else if (draw < 0.26) {
          const tab = pick(tabs);
          if (tab.socketId === null) continue;
          const socketId = tab.socketId;
          what = `${draw < 0.18 ? 'leave' : 'suspend'} ${tab.peerId}`;
          answers = both((registry) => (draw < 0.18 ? registry.leave(socketId) : registry.suspend(socketId)));
          tab.socketId = null;
        } else if (draw < 0.3) {
          const tab = pick(tabs);
          what = `expire ${tab.peerId}`;
          answers = both((registry) => registry.expire(swarmId, tab.peerId));
        } else if (draw < 0.38) {
          const tab = pick(tabs);
          if (tab.socketId !== null) continue;
          const socketId = `s${sockets++}`;
          const seeder = tab.peerId === 'seed';
          const participants = tabs
            .filter(() => random() < 0.7)
            .map((listed) => ({
              peerId: listed.peerId,
              role: (listed.peerId === 'seed' ? 'seeder' : 'leecher') as PeerRole,
              ...(random() < 0.5 && { settings: { ...NO_CAPS, leaveOnComplete: random() < 0.3 } }),
            }));
          const run: ResumedRun | null =
            random() < 0.3
              ? null
              : {
                  runNumber: runNumber + (random() < 0.3 ? 1 : 0),
                  config: random() < 0.5 ? CAPPED : DEFAULT_RUN_CONFIG,
                  elapsedMs: Math.floor(random() * 20_000),
                  settings: { ...NO_CAPS, leaveOnComplete: random() < 0.3 },
                  completedAfterMs: random() < 0.5 ? null : 500,
                  participants,
                };
          // A member that saw a run more than the table says (the next started as the server went down).
          const latestRunNumber = runNumber + (random() < 0.2 ? 1 : 0);
          what = `resume ${tab.peerId} run ${run?.runNumber ?? 'none'}`;
          answers = both((registry) =>
            registry.restore({
              swarmId,
              peerId: tab.peerId,
              socketId,
              keyDigest: memberKeyDigestOf(tab.key),
              address: 'a1',
              seal,
              role: seeder ? 'seeder' : 'leecher',
              control: seeder ? controlDigestOf('secret') : undefined,
              run,
              latestRunNumber,
              contentId,
              manifest,
            }),
          );
          if ((JSON.parse(answers[0]) as { ok?: boolean }).ok === true) tab.socketId = socketId;
        } else if (draw < 0.41) {
          const tab = pick(tabs);
          if (tab.peerId === 'seed') continue;
          const socketId = `s${sockets++}`;
          what = `reload ${tab.peerId}`;
          const keyDigest = memberKeyDigestOf(tab.key);
          answers = both((registry) => {
            registry.giveUpAway(swarmId, tab.peerId, keyDigest);
            if (tab.socketId !== null) registry.leave(tab.socketId);
            if (!registry.mayTakeBack(swarmId, tab.peerId, keyDigest)) return { ok: 'not taken back' };
            const member = { peerId: tab.peerId, socketId, keyDigest, address: 'a1' };
            return registry.join(swarmId, member, undefined, true);
          });
          tab.socketId = (JSON.parse(answers[0]) as { ok?: unknown }).ok === true ? socketId : null;
        } else if (draw < 0.45) {
          what = 'start';
          answers = both((registry) => registry.startRun('s0', DEFAULT_RUN_CONFIG));
        } else if (draw < 0.48) {
          what = 'stop';
          answers = both((registry) => registry.stopRun('s0'));
        } else if (draw < 0.8) {
          const tab = pick(tabs);
          if (tab.socketId === null) continue;
          const socketId = tab.socketId;
          const sentTo = tabs
            .filter((other) => other !== tab && random() < 0.6)
            .map((other) => ({ peerId: other.peerId, bytes: Math.floor(random() * FILE_BYTES * 1.2) }));
          const base: ProgressReport =
            tab.peerId === 'seed'
              ? { ...complete(runNumber, 'seeder'), downloadedBytes: 0 }
              : random() < 0.4
                ? complete(runNumber)
                : leeching(runNumber);
          const uploadedBytes = sentTo.reduce((sum, sent) => sum + sent.bytes, 0);
          const report: ProgressReport = {
            ...base,
            uploadedBytes,
            sentTo,
            uploadBytesPerSec: 0,
            peakUploadBytesPerSec: 0,
          };
          what = `report ${tab.peerId} complete=${report.complete}`;
          answers = both((registry) => registry.report(socketId, report));
        } else if (draw < 0.84) {
          // The server restarts: it forgets every swarm; the tabs resume, or register it again.
          steps.push('restart');
          inMemory = createSwarmRegistry({ limits: LIMITS, ...clock });
          record = undefined;
          for (const tab of tabs) tab.socketId = null;
          continue;
        } else if (draw < 0.93) {
          nowMs += pick([100, 1000, 3500, 11_000, 31_000, 65_000]);
          continue;
        } else {
          what = 'give up awaiting';
          answers = both((registry) => registry.giveUpAwaiting(swarmId));
        }
        steps.push(what);
        const [kept, taken] = [inMemory, fromRecord].map((registry) => JSON.stringify(registry.exportSwarm(swarmId)));
        const [keptTable, takenTable] = [inMemory, fromRecord].map((registry) =>
          JSON.stringify(registry.progressOf(swarmId)),
        );
        if (answers[0] !== answers[1] || kept !== taken || keptTable !== takenTable) {
          divergences.push(`seed ${seed}, step ${step}: ${steps.join(' | ')}\n${answers.join('\n')}`);
          break;
        }
        record = taken === undefined ? undefined : (JSON.parse(taken) as SwarmRecord);
        if (!record && tabs.some((tab) => tab.socketId !== null)) break;
      }
    }
    expect(divergences).toEqual([]);
  });
});
