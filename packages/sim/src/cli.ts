import { parseSimArgs, USAGE } from './cli-args';
import { runScenario } from './run-scenario';
import { secondsText } from './seconds-text';
import type { SimulationResult } from './simulate';
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

function describe(result: SimulationResult, requestedFileBytes: number): string {
  const measured = result.distributionSec === undefined ? 'did not finish' : `${secondsText(result.distributionSec)} s`;
  return [
    ...(result.fileBytes === requestedFileBytes
      ? []
      : [
          `file simulated as ${result.fileBytes} bytes (${requestedFileBytes} rounded to what its last chunk can carry)`,
        ]),
    `distribution time ${measured}, bound ${secondsText(result.boundSec)} s, ratio ${result.ratio?.toFixed(4) ?? '—'}`,
    `uploaded: seeder ${(result.seederUploadedBytes / 1e6).toFixed(1)} MB, peers ${(result.peersUploadedBytes / 1e6).toFixed(1)} MB` +
      (result.seederLeftAtSec === undefined ? '' : `; seeder left at ${secondsText(result.seederLeftAtSec)} s`),
    `files intact: ${result.allFilesIntact}; peers dropped: ${result.droppedPeers}; ${result.events} events in ${(result.wallMs / 1000).toFixed(1)} s`,
  ].join('\n');
}

/**
 * Runs a scenario; one the simulator refuses is one line and exit 2, as a bad flag. Any other error is not caught:
 * node prints its stack and exits 1.
 */
function run(scenario: Scenario): SimulationResult {
  const outcome = runScenario(scenario);
  if (!outcome.ok) {
    console.error(`sim: ${outcome.message}`);
    process.exit(2);
  }
  return outcome.result;
}

const failed = (result: SimulationResult): boolean => result.distributionSec === undefined || !result.allFilesIntact;

if (args.sweepPeerCounts) {
  console.log('N\tD_cs bound (s)\tclient-server (s)\tD_p2p bound (s)\tp2p (s)');
  const rows = [];
  let anyFailed = false;
  let roundingSaid = false;
  for (const peerCount of args.sweepPeerCounts) {
    const cs = run({ ...args.scenario, peerCount, mode: 'client-server' });
    const p2p = run({ ...args.scenario, peerCount, mode: 'p2p' });
    anyFailed ||= failed(cs) || failed(p2p);
    // The bounds are of the simulated file: say once that it is not the one asked for (a single run says so too).
    if (!roundingSaid && cs.fileBytes !== args.scenario.fileBytes) {
      console.log(
        `# file simulated as ${cs.fileBytes} bytes (${args.scenario.fileBytes} rounded to what its last chunk can carry)`,
      );
      roundingSaid = true;
    }
    const fmt = (result: SimulationResult) =>
      result.distributionSec === undefined
        ? '—'
        : `${secondsText(result.distributionSec)}${result.allFilesIntact ? '' : ' (damaged)'}`;
    console.log([peerCount, secondsText(cs.boundSec), fmt(cs), secondsText(p2p.boundSec), fmt(p2p)].join('\t'));
    const row = (result: SimulationResult) => ({
      distributionSec: result.distributionSec ?? null,
      boundSec: result.boundSec,
      ratio: result.ratio ?? null,
      allFilesIntact: result.allFilesIntact,
    });
    rows.push({ peerCount, clientServer: row(cs), p2p: row(p2p) });
  }
  if (args.json) console.log(JSON.stringify({ rows }));
  if (anyFailed) process.exit(1);
} else {
  const result = run(args.scenario);
  console.log(describe(result, args.scenario.fileBytes));
  if (args.json)
    console.log(
      JSON.stringify({
        distributionSec: result.distributionSec ?? null,
        boundSec: result.boundSec,
        ratio: result.ratio ?? null,
      }),
    );
  if (failed(result)) process.exit(1);
}
