import { parseSimArgs, USAGE } from './cli-args';
import { simulate, type SimulationResult } from './simulate';
import type { Scenario } from './scenario';

const args = parseSimArgs(process.argv.slice(2));
if (!args.ok) {
  console.error(`sim: ${args.message}. Run with --help for usage.`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function describe(result: SimulationResult): string {
  const measured = result.distributionSec === undefined ? 'did not finish' : `${result.distributionSec.toFixed(2)} s`;
  return [
    `distribution time ${measured}, bound ${result.boundSec.toFixed(2)} s, ratio ${result.ratio?.toFixed(4) ?? '—'}`,
    `uploaded: seeder ${(result.seederUploadedBytes / 1e6).toFixed(1)} MB, peers ${(result.peersUploadedBytes / 1e6).toFixed(1)} MB` +
      (result.seederLeftAtSec === undefined ? '' : `; seeder left at ${result.seederLeftAtSec.toFixed(2)} s`),
    `files intact: ${result.allFilesIntact}; peers dropped: ${result.droppedPeers}; ${result.events} events in ${(result.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

if (args.sweepPeerCounts) {
  console.log('N\tD_cs bound (s)\tclient-server (s)\tD_p2p bound (s)\tp2p (s)');
  for (const peerCount of args.sweepPeerCounts) {
    const run = (mode: Scenario['mode']) => simulate({ ...args.scenario, peerCount, mode });
    const cs = run('client-server');
    const p2p = run('p2p');
    const fmt = (sec: number | undefined) => (sec === undefined ? '—' : sec.toFixed(2));
    console.log(
      [peerCount, fmt(cs.boundSec), fmt(cs.distributionSec), fmt(p2p.boundSec), fmt(p2p.distributionSec)].join('\t'),
    );
  }
} else {
  const result = simulate(args.scenario);
  console.log(describe(result));
  if (args.json)
    console.log(
      JSON.stringify({
        distributionSec: result.distributionSec ?? null,
        boundSec: result.boundSec,
        ratio: result.ratio ?? null,
      }),
    );
  if (result.distributionSec === undefined || !result.allFilesIntact) process.exit(1);
}
