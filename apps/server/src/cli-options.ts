import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const DEFAULT_PORT = 8080;
/** Every interface, so other machines on the classroom LAN can join. */
export const DEFAULT_HOST = '0.0.0.0';
/** The web app's build output, found relative to this file so the server runs from any directory. */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** The environment's twin of `--trust-proxy`. */
export const TRUST_PROXY_ENV = 'SWARMLAB_TRUST_PROXY';

export const USAGE = `Usage: swarmlab-server [--port N] [--host ADDRESS] [--static-dir DIR] [--[no-]trust-proxy] [--no-lan-stun]

  --port N          port to listen on (default: $PORT, else ${DEFAULT_PORT}; 0 picks a free port)
  --host ADDRESS    address to listen on (default: ${DEFAULT_HOST}, every interface)
  --static-dir DIR  built web app to serve (default: apps/web/dist)
  --trust-proxy     behind a reverse proxy that appends each client's address to X-Forwarded-For:
                    count clients by that address (the header's last entry), not the proxy's. Never
                    without such a proxy: clients would write the header and choose their address
                    (default: $${TRUST_PROXY_ENV}, else off)
  --no-trust-proxy  off, whatever $${TRUST_PROXY_ENV} says
  --no-lan-stun     do not answer STUN on the port number over UDP. By default the server does, and tells
                    each browser reaching it by a network address to ask it: on a Wi-Fi that blocks
                    multicast, laptops then still connect (off with --trust-proxy: UDP does not pass it)
  -h, --help        show this help

Environment:
  PORT                   default port
  ${TRUST_PROXY_ENV}   1, true, yes or on: as --trust-proxy (default: off)
  SWARMLAB_ICE_SERVERS   JSON array of STUN/TURN servers for clients (default: none)
  SWARMLAB_REDIS_URL     redis://host:port: keep swarms in Redis, shared by every server process given it
                         (default: none, swarms live in this process's memory)`;

export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly staticDir: string;
  /** Whether `--static-dir` gave it (a missing app is then a wrong directory rather than an unbuilt one). */
  readonly staticDirGiven: boolean;
  /**
   * Whether clients reach the server through a reverse proxy that appends the address it took each connection from
   * to `X-Forwarded-For` (`lastForwardedAddress`): the per-address limits then count each client, not the proxy.
   */
  readonly trustProxy: boolean;
  /** Whether the server answers STUN on its port number over UDP for LAN clients (`lan-stun.ts`); on unless refused. */
  readonly lanStun: boolean;
  /** Asked for the usage: nothing else was read or checked, and the fields above are the defaults. */
  readonly help: boolean;
}

/** What no flag and no environment variable changes. */
const DEFAULTS: Omit<CliOptions, 'help'> = {
  port: DEFAULT_PORT,
  host: DEFAULT_HOST,
  staticDir: DEFAULT_STATIC_DIR,
  staticDirGiven: false,
  trustProxy: false,
  lanStun: true,
};

/** The command line is unusable; the message says why, and `USAGE` says how. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseCliOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'static-dir': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
        'lan-stun': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      // `--no-trust-proxy`, to turn off what the environment turned on (Node 20.16 and later: the workspace needs
      // 20.19).
      allowNegative: true,
    }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  // Before the rest is checked: `SWARMLAB_TRUST_PROXY=bogus swarmlab-server --help` refused the word (exit 2) instead
  // of saying how to write it (found by review).
  if (values.help) return { ...DEFAULTS, help: true };
  if (values['static-dir'] === '') throw new CliUsageError('--static-dir must name a directory, got ""');
  // Empty (`--host "$HOST"`, HOST unset) would listen on every interface: 0.0.0.0 says so on purpose.
  // After its brackets are taken off too: `--host "[$HOST]"` with HOST unset.
  if (values.host !== undefined && canonicalHost(values.host) === '')
    throw new CliUsageError(
      `--host must name an address, got ${JSON.stringify(values.host)} (0.0.0.0 listens on every interface)`,
    );
  // An empty PORT is unset (`PORT= pnpm start`); one from the environment is named as such when refused.
  const envPort = env['PORT'] === '' ? undefined : env['PORT'];
  return {
    port:
      values.port !== undefined
        ? parsePort(values.port, '--port')
        : envPort !== undefined
          ? parsePort(envPort, '$PORT')
          : DEFAULT_PORT,
    host: values.host === undefined ? DEFAULT_HOST : canonicalHost(values.host),
    staticDir: values['static-dir'] === undefined ? DEFAULT_STATIC_DIR : resolve(typedIn(env), values['static-dir']),
    staticDirGiven: values['static-dir'] !== undefined,
    trustProxy: values['trust-proxy'] ?? parseTrustProxyEnv(env[TRUST_PROXY_ENV]),
    lanStun: values['lan-stun'] ?? true,
    help: false,
  };
}

const TRUST_PROXY_ON: ReadonlySet<string> = new Set(['1', 'true', 'yes', 'on']);
const TRUST_PROXY_OFF: ReadonlySet<string> = new Set(['', '0', 'false', 'no', 'off']);

/**
 * `SWARMLAB_TRUST_PROXY` as a service file or a container sets it; any other word is refused rather than read as off
 * (a typo would have left a whole school counted as its proxy's one address), and empty is unset.
 */
function parseTrustProxyEnv(text: string | undefined): boolean {
  const word = text?.trim().toLowerCase() ?? '';
  if (TRUST_PROXY_ON.has(word)) return true;
  if (TRUST_PROXY_OFF.has(word)) return false;
  throw new CliUsageError(`$${TRUST_PROXY_ENV} must be 1, true, yes or on (0, false, no or off: off), got "${text}"`);
}

/**
 * Where a relative `--static-dir` is read from: where `pnpm start` was typed (pnpm runs the server's script in
 * `apps/server` and says where in `INIT_CWD`), else the process's own directory. `pnpm start --static-dir my-build`
 * from the repository's root looked in `apps/server/my-build`, and the warning named "my-build" (found by review).
 */
function typedIn(env: Readonly<Record<string, string | undefined>>): string {
  const initCwd = env['INIT_CWD'];
  return env['npm_lifecycle_event'] === 'start' && initCwd ? initCwd : process.cwd();
}

/**
 * `--host` as the rest of the server reads it: an IPv6 address without its brackets (`[::]`) and in its short form
 * (`0:0:0:0:0:0:0:0` is `::`), an IPv4 address written as IPv6 (`::ffff:127.0.0.1`) as IPv4. Each other spelling
 * listened where it said, yet printed a URL of it (`http://[[::]]:8080/`), drew a QR code of a loopback address, or
 * offered a page at localhost no network address (found by review). A name, or an address with its interface
 * (`fe80::1%eth0`), is kept as given.
 */
function canonicalHost(host: string): string {
  const bare = (/^\[(.*)\]$/.exec(host.trim())?.[1] ?? host).trim();
  if (!isIPv6(bare) || bare.includes('%')) return bare;
  const short = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([\da-f]{1,4}):([\da-f]{1,4})$/.exec(short);
  if (!mapped) return short;
  const [high, low] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function parsePort(text: string, source: '--port' | '$PORT'): number {
  const port = Number(text);
  if (!/^\d+$/.test(text.trim()) || port > 65535) {
    throw new CliUsageError(`${source} must be a whole number from 0 to 65535, got "${text}"`);
  }
  return port;
}
