import { clientServerBound, p2pBound } from './bounds';
import { parseTheoryArgs, USAGE } from './cli-args';
import { formatReport, formatReportJson } from './cli-report';
import { TheoryInputError } from './errors';

/** Exit code for a command line that could not be used, as most Unix tools do. */
const EXIT_USAGE = 2;

/** `pnpm theory …`: prints both distribution-time bounds for the swarm described by the flags. */
function main(argv: readonly string[]): number {
  const args = parseTheoryArgs(argv);
  if (!args.ok) return usageError(args.message);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const report = { input: args.input, clientServer: clientServerBound(args.input), p2p: p2pBound(args.input) };
    console.log(formatReport(report));
    if (args.json) console.log(formatReportJson(report));
    return 0;
  } catch (error) {
    // parseTheoryArgs enforces the bound functions' rules; this catches the two drifting apart.
    if (error instanceof TheoryInputError) return usageError(error.message);
    throw error;
  }
}

function usageError(message: string): number {
  console.error(`theory: ${message}. Run with --help for usage.`);
  return EXIT_USAGE;
}

process.exitCode = main(process.argv.slice(2));
