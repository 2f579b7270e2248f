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
    // parseTheoryArgs enforces the bound functions' rules, but a total past what a double holds (N·F of 1e309
    // bytes, or F over a rate of 1e-320 bytes/s) is found only by the bound. Named by its flag, as every other
    // message is, not by the code's field (found by review).
    if (error instanceof TheoryInputError) return usageError(`${flagOf(error.field)}: ${error.reason}`);
    throw error;
  }
}

/** The flag each input of the bounds comes from. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  peerCount: '--peers',
  fileBytes: '--file-bytes',
  serverUploadBytesPerSec: '--server-up',
  peerUploadBytesPerSec: '--peer-up',
  peerDownloadBytesPerSec: '--peer-down',
};

/** `field`'s flag: `peerDownloadBytesPerSec[2]` is `--peer-down (value 3)`; a field of no flag is named as it is. */
function flagOf(field: string): string {
  const [, name, index] = /^(\w+)(?:\[(\d+)\])?$/.exec(field) ?? [];
  const flag = name !== undefined && Object.hasOwn(FLAG_OF_FIELD, name) ? FLAG_OF_FIELD[name] : undefined;
  if (flag === undefined) return field;
  return index === undefined ? flag : `${flag} (value ${Number(index) + 1})`;
}

function usageError(message: string): number {
  console.error(`theory: ${message}. Run with --help for usage.`);
  return EXIT_USAGE;
}

process.exitCode = main(process.argv.slice(2));
