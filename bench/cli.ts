// Benchmarks that print figures, never assertions: `npx pnpm@12.4.2 bench <name> [flags]`.
// The root `bench` script runs this inside a private network namespace (scripts/in-private-netns.mjs).
import { UsageError } from './args';

interface BenchmarkModule {
  readonly USAGE: string;
  /** Runs with the flags after the benchmark's name; resolves to the exit status. */
  main(argv: readonly string[]): Promise<number>;
}

interface Benchmark {
  readonly summary: string;
  /** Loaded on demand, so one benchmark's imports never slow down or break another. */
  load(): Promise<BenchmarkModule>;
}

/** Name → module. */
const BENCHMARKS: Readonly<Record<string, Benchmark>> = {
  raw: {
    summary: 'one bare RTCDataChannel between two Chromium pages: the ceiling for the swarm’s WebRTC transfers',
    load: () => import('./raw'),
  },
  mesh: {
    summary: 'bare RTCDataChannels between N pages in the swarm’s shape (every pair connected): the swarm’s ceiling',
    load: () => import('./mesh'),
  },
  sim: {
    summary: 'the simulator against the bounds: homogeneous and heterogeneous P2P, client-server, faults',
    load: () => import('./sim'),
  },
  signalling: {
    summary: 'the signalling server under N honest clients relaying signals, with and without a flood from one address',
    load: () => import('./signalling'),
  },
  memory: {
    summary:
      'a seeder and 2 leechers on a 256 MiB and a 2 GiB file: each tab’s peak RSS and JS heap, side by side (#12)',
    load: () => import('./memory'),
  },
  classroom: {
    summary:
      'a classroom of headless peers (default 40) in a shaped p2p run: ratio to D_p2p, the server’s CPU and memory (#11)',
    load: () => import('./classroom'),
  },
  swarm: {
    summary: 'one seeder and N leechers through the real server and UI, runs next to the seed’s bounds',
    load: () => import('./swarm'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(BENCHMARKS).map((name) => name.length));
  return [
    'usage: npx pnpm@12.4.2 bench <name> [flags]    (`bench <name> --help` lists its flags)',
    '',
    'benchmarks:',
    ...Object.entries(BENCHMARKS).map(([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`),
  ].join('\n');
}

async function cli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const benchmark = name === undefined ? undefined : Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!benchmark) {
    console.error(name === undefined ? 'bench: which benchmark?' : `bench: unknown benchmark "${name}"`);
    console.error(usage());
    return 2;
  }
  const module = await benchmark.load();
  try {
    return await module.main(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`bench ${name}: ${error.message}`);
    console.error(error.usage ?? module.USAGE);
    return 2;
  }
}

// Exit explicitly: a lingering handle (a socket, a timer) must not keep a finished benchmark alive.
cli(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(
      `bench: ${error instanceof Error ? (error.name === 'BenchFailure' ? error.message : (error.stack ?? error.message)) : String(error)}`,
    );
    process.exit(1);
  },
);
