import { formatJoinCode } from '@swarmlab/protocol';
import { commandDirectory, parseCliOptions, USAGE } from './cli-options';
import { startHeadlessPeer, type HeadlessPeer } from './headless-peer';
import { HeadlessPeerError } from './headless-peer-error';
import type { HeadlessPeerEvent } from './headless-peer-event';
import { byteSize } from './leecher-storage';
import { progressLine } from './progress-line';
import { printable } from './printable';
import { SignalPresses } from './signal-presses';
import { controlLinkOf } from './swarm-target';

/** How often the terminal gets a progress line while a run goes on. */
const PROGRESS_PRINT_INTERVAL_MS = 1000;
/**
 * How long `--exit-when-done` waits for the server to acknowledge the completion: a dropped connection is taken
 * back within the server's grace for an away member (30 s by default), and the completion with it.
 */
const COMPLETION_ACK_WAIT_MS = 60_000;

/**
 * Whether stdout and stderr still take lines. Piped into `head` or `grep -m1` (to pick the share link out), a
 * stream closes (EPIPE); a terminal that was closed fails writes (EIO) before its SIGHUP is handled; a log on a
 * full disk fails them (ENOSPC). A write error must not crash the peer in the middle of its swarm, before it
 * cleans up: it goes on without that output.
 */
let stdoutOpen = true;
let stderrOpen = true;
process.stdout.on('error', () => {
  stdoutOpen = false;
});
process.stderr.on('error', () => {
  stderrOpen = false;
});

/** A line for stdout, once it is closed nothing. */
function print(line: string): void {
  if (stdoutOpen) console.log(line);
}

/** An error line for stderr, its text made printable (a server's or a peer's words may be in it). */
function printError(line: string): void {
  if (stderrOpen) console.error(printable(line));
}

/** Exit codes: 0 done, 1 the swarm or server failed, 2 the command line or its input is wrong. */
async function main(): Promise<number> {
  const options = parseCliOptions(process.argv.slice(2), commandDirectory(process.env, process.cwd()));
  if (options.help) {
    print(USAGE);
    return 0;
  }
  let running = false;
  /** The run this leecher left on completion, as the run's settings say, until another starts. */
  let leftRun: number | undefined;
  let done = false;
  /** The peer failed and is leaving: what else fails meanwhile is printed as it comes. */
  let failing = false;
  /** The peer once it is described; lines of its events until then, held so they follow what it joined. */
  let described: HeadlessPeer | undefined = undefined;
  const held: string[] = [];
  /** The join code printed last: a restarted server keeping swarms in memory gives the swarm a new one. */
  let printedCode: string | undefined;
  // Interrupted is not done: a script must not take what --out left for a finished download (128 + signal).
  // A second signal while it cleans up (a close that hangs on a slow disk) exits at once.
  const presses = new SignalPresses();
  const onEvent = (event: HeadlessPeerEvent): void => {
    // Until `done` settles, a failure rejects it and is printed once below; after, it is printed here. While the peer
    // stops (Ctrl-C during its check of a whole download), printed too: the stop goes on, and exits as it was told.
    if (event.type === 'failed' && (done || presses.stopping || failing)) {
      printError(`error: ${event.message}`);
      if (!presses.stopping && !failing) stop(1)();
      return;
    }
    const line = eventLine(event);
    // What concerns the run is held until the peer is described: a run going on as it joins was told first.
    if (line && !described && RUN_EVENTS.has(event.type)) held.push(printable(line));
    else if (line) print(printable(line));
    const code = event.type === 'signalling' && event.status.state === 'back' ? event.status.resumed.joinCode : null;
    if (described && code && code !== printedCode) {
      printedCode = code;
      print(
        `join code:  ${formatJoinCode(code)} (new: the signalling server restarted, and the old code no longer works)`,
      );
    }
    if (event.type === 'run-started') [running, leftRun] = [true, undefined];
    if (event.type === 'left-run') leftRun = event.runNumber;
    if (event.type === 'run-stopped' || event.type === 'left-run' || event.type === 'run-finished') running = false;
  };
  // Said as the hashing starts (its first progress, 0), once the file opened and the server's address was read: said
  // before, it came ahead of the error that the address was no URL or the file not there (found by review). A large
  // file takes minutes: its progress once a second.
  let hashPrintedAtMs: number | undefined;
  const onHashProgress = (fraction: number): void => {
    if (hashPrintedAtMs === undefined) {
      hashPrintedAtMs = performance.now();
      print(`hashing ${options.peer.seedFile ?? 'the file'} …`);
      return;
    }
    if (fraction >= 1 || performance.now() - hashPrintedAtMs < PROGRESS_PRINT_INTERVAL_MS) return;
    hashPrintedAtMs = performance.now();
    print(`hashing: ${Math.floor(fraction * 100)} %`);
  };
  // Ctrl-C while it starts (connecting may wait 10 s on an address out of reach): it stops and cleans up.
  const starting = new AbortController();
  const interruptStart = (exitCode: 129 | 130 | 143) => (): void => {
    // A seeder made nothing to clean up: it exits at once.
    if (options.peer.seedFile !== undefined) process.exit(exitCode);
    // One more press while the clean-up hangs (a file on a share that stopped answering) exits at once, as it does
    // once the peer is in (it did nothing here: found by review).
    const press = presses.press(performance.now());
    if (press === 'again') process.exit(exitCode);
    if (press === 'repeat') return;
    starting.abort(new HeadlessPeerError('interrupted before the peer was in its swarm', exitCode));
  };
  const [onStartSigint, onStartSigterm, onStartSighup] = [
    interruptStart(130),
    interruptStart(143),
    interruptStart(129),
  ];
  process.on('SIGINT', onStartSigint);
  process.on('SIGTERM', onStartSigterm);
  process.on('SIGHUP', onStartSighup);
  const peer = await startHeadlessPeer({ ...options.peer, onEvent, onHashProgress, signal: starting.signal })
    .catch((error: unknown) => {
      for (const line of held.splice(0)) print(line);
      throw error;
    })
    .finally(() => {
      process.off('SIGINT', onStartSigint);
      process.off('SIGTERM', onStartSigterm);
      process.off('SIGHUP', onStartSighup);
    });
  print(describe(peer, running));
  for (const line of held.splice(0)) print(line);
  described = peer;
  printedCode = peer.joinCode;
  void peer.done.then(
    () => (done = true),
    () => {},
  );

  const printer = setInterval(() => {
    const checked = peer.checkedFraction;
    if (checked !== undefined) print(`checking the whole download: ${Math.floor(checked * 100)} %`);
    else if (running && peer.snapshot) print(progressLine(peer.snapshot, peer.connectedPeers));
  }, PROGRESS_PRINT_INTERVAL_MS);
  const stop = (exitCode: number) => (): void => {
    const press = presses.press(performance.now());
    if (press === 'repeat') return;
    if (press === 'again') process.exit(exitCode);
    // The check of a whole download goes on as it leaves (the server counted it): minutes for a large file, silent.
    const checked = peer.checkedFraction;
    if (checked !== undefined)
      print(
        `finishing the check of the whole download (${Math.floor(checked * 100)} %) before leaving; ` +
          `press Ctrl-C again to leave at once${peer.partPath === undefined ? '' : `, the file unchecked at ${peer.partPath}`}`,
      );
    else clearInterval(printer);
    void peer.close().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        printError(`error: leaving the swarm failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(exitCode);
      },
    );
  };
  process.on('SIGINT', stop(130));
  process.on('SIGTERM', stop(143));
  process.on('SIGHUP', stop(129));
  try {
    await peer.done;
  } catch (error) {
    // Stopped by a signal: `stop` exits once the peer has left (its `done` rejects as it closes).
    if (presses.stopping) return new Promise(() => {});
    // Said at once, then the peer leaves and removes a partial --out file: a close that hangs on a slow disk, cut
    // short by Ctrl-C, exits from `stop`, and the reason went unsaid (found by review). What fails as it closes (a
    // file that will not close, the check of a whole download) is said too (`failing`).
    clearInterval(printer);
    failing = true;
    printFatal(error);
    await peer
      .close()
      .catch((closeError: unknown) =>
        printError(`error: ${closeError instanceof Error ? closeError.message : String(closeError)}`),
      );
    return exitCodeOf(error);
  }
  if (presses.stopping) return new Promise(() => {});
  if (peer.role === 'leecher' && options.exitWhenDone) {
    clearInterval(printer);
    // Gone before the server had the completion (its connection down), the swarm's screens said this peer left
    // before completing: it waits until the server acknowledges it (found by review).
    const recorded = await peer.completionAcknowledged(COMPLETION_ACK_WAIT_MS, () =>
      print('holding the whole file; waiting for the signalling server to record the completion before exiting'),
    );
    if (presses.stopping) return new Promise(() => {});
    await peer.close();
    if (recorded) return 0;
    printError(
      `error: the signalling server did not acknowledge the completion within ${COMPLETION_ACK_WAIT_MS / 1000} s: ` +
        'the file is whole and checked, but the swarm may count this peer as having left before completing',
    );
    return 1;
  }
  // Left its run on completion (the run's settings), it uploads nothing more in it: "still sharing" was untrue.
  if (peer.role === 'leecher')
    print(
      leftRun === undefined
        ? 'holding the whole file; still sharing it (Ctrl-C to leave)'
        : `holding the whole file; it left run ${leftRun} on completion and shares nothing more in it; ` +
            'staying in the swarm for the next run (Ctrl-C to leave)',
    );
  return new Promise(() => {});
}

/** What the peer joined or seeds, and how to share it; `inRun`: a run it takes part in already goes on. */
function describe(peer: HeadlessPeer, inRun: boolean): string {
  const { manifest } = peer;
  const lines = [
    `${peer.role === 'seeder' ? 'seeding' : 'joined'} ${printable(manifest.name)} (${byteSize(manifest.sizeBytes)}, ${manifest.chunkSha256.length} chunks)`,
    `share link: ${peer.shareLink}`,
  ];
  const { origin, others, thisMachineOnly } = peer.shareOrigin;
  if (thisMachineOnly === 'no-address')
    lines.push('            (it opens this machine only: the server knows no network address other machines reach)');
  if (thisMachineOnly === 'no-answer')
    lines.push(
      '            (it opens this machine only: the server did not say which network address other machines reach)',
    );
  if (others.length > 0) lines.push(`            (other networks of the server: ${others.join(', ')})`);
  if (peer.joinCode) lines.push(`join code:  ${formatJoinCode(peer.joinCode)} (with --server ${origin})`);
  if (peer.controlSecret !== undefined)
    lines.push(
      `control:    ${controlLinkOf(peer.serverUrl, peer.swarmId, peer.contentId, peer.controlSecret)}`,
      '            (open it on the teacher’s screen to start runs; keep it to yourself)',
    );
  if (peer.role === 'seeder') lines.push(`sha-256:    ${peer.fileSha256}`);
  if (!inRun)
    lines.push(peer.role === 'seeder' ? 'waiting for a run to start (Ctrl-C to leave)' : 'waiting for a run to start');
  return lines.join('\n');
}

/** Events of the peer's runs, as opposed to its connection to the server and its swarm. */
const RUN_EVENTS: ReadonlySet<HeadlessPeerEvent['type']> = new Set([
  'run-started',
  'run-stopped',
  'complete',
  'left-run',
  'run-finished',
  'peer-dropped',
]);

function eventLine(event: HeadlessPeerEvent): string | undefined {
  switch (event.type) {
    case 'run-started':
      return `run ${event.runNumber} started`;
    case 'run-stopped':
      return `run ${event.runNumber} stopped`;
    case 'complete':
      return `run ${event.runNumber}: whole file held and checked, sha-256 ${event.fileSha256}`;
    case 'left-run':
      return `run ${event.runNumber}: left the run on completion (its settings say so)`;
    case 'run-finished':
      return `run ${event.runNumber} finished${event.distributionMs === null ? '' : ` in ${(event.distributionMs / 1000).toFixed(2)} s`}`;
    case 'signalling':
      if (event.status.state === 'lost' && event.status.attempt > 0) return undefined;
      if (event.status.state === 'rejoining' && event.status.retrying)
        return `signalling server: rejoining (it answered ${event.status.retrying.code}: trying again)`;
      return `signalling server: ${event.status.state}`;
    case 'waiting-for-swarm':
      return 'the signalling server has just restarted and does not know this swarm yet: waiting for its members to register it again';
    case 'seeder-gone':
      return 'the seeder left the swarm: chunks nobody else holds will not come, and no run can start until it seeds again';
    case 'seeder-back':
      return 'the seeder is back in the swarm';
    case 'peer-dropped':
      return `dropped peer ${event.peerId}: ${event.detail}`;
    case 'connect-trouble':
      return (
        (event.seeding
          ? `${event.failingPeers} ${event.failingPeers === 1 ? 'peer cannot' : 'peers cannot'} connect to this seeder: `
          : `no WebRTC connection${event.seederUnreachable ? ' to the seeder' : ''} has opened: `) +
        `${event.failures} ${event.failures === 1 ? 'try' : 'tries'} failed (the latest, ` +
        `to ${event.peerId}: ${event.message}). ${event.seeding ? 'If they never connect' : 'If none ever opens'}, ` +
        'this network may keep machines from ' +
        "reaching each other (Wi-Fi client isolation; UDP to the server's port blocked by a firewall; multicast blocked " +
        "where the server's LAN STUN is off): let UDP to that port in, keep the server's LAN STUN on, or give it a TURN server"
      );
    case 'name-refused':
      return `the signalling server did not take this peer's name (${event.message}): screens show a made-up name for it`;
    case 'server-message-ignored':
      return `ignored a ${event.name} from the signalling server that this version cannot read (${event.problem})`;
    case 'failed':
      return undefined; // `done` rejects with it, and main prints it once
  }
}

/** A failure the peer stops for: one line for an expected one, the whole error (with its stack) for a bug. */
function printFatal(error: unknown): void {
  if (error instanceof HeadlessPeerError)
    printError(`error: ${error.message}${error.exitCode === 2 ? ' (--help for usage)' : ''}`);
  else if (stderrOpen) console.error(error);
}

function exitCodeOf(error: unknown): number {
  return error instanceof HeadlessPeerError ? error.exitCode : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    printFatal(error);
    process.exit(exitCodeOf(error));
  },
);
