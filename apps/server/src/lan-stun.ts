import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopbackHost, type IceServer } from '@swarmlab/protocol';
import type { ClockMs } from './clock-ms';
import { WILDCARD_HOSTS } from './lan-addresses';
import { StunAnswerBudget } from './stun-answer-budget';
import { bindingSuccess, readBindingRequest } from './stun-message';

/**
 * A STUN responder on the server's own port number, over UDP, for a classroom whose Wi-Fi blocks multicast.
 *
 * A page on a plain-http LAN origin holds no camera permission, so Chromium hides its address behind an mDNS name
 * (`<uuid>.local`), which the other laptop resolves by multicast. Where the network drops multicast (some school
 * networks do), no pair of laptops connects. Asked by a browser, this responder says the address the request came
 * from, which on a LAN is the laptop's own: the browser then also offers that address (a server-reflexive candidate),
 * and the pair connects. It only answers Binding requests (`stun-message.ts`), within `StunAnswerBudget`, and keeps
 * nothing else.
 *
 * Listening on every interface, it binds one socket per address of the machine (and looks for new ones every
 * `rescanMs`): a browser takes an answer only from the address it asked, and a socket bound to the wildcard answers
 * from whichever address the route back picks (a teacher's laptop on both a cable and the Wi-Fi answered a student
 * asking its Wi-Fi address from its cable one, and the answer was dropped; found by review).
 */
export interface LanStun {
  /** The UDP port it answers on. */
  readonly port: number;
  /** Stops answering; settles once its sockets are closed. */
  close(): Promise<void>;
}

export interface LanStunOptions {
  readonly host: string;
  readonly port: number;
  /** Told of a socket error after its start (the responder keeps answering). */
  readonly onError?: (error: Error) => void;
  /**
   * Told of an address it could not answer on (its UDP port held by another program there, say): at the start, where
   * others could be had, and at a rescan. Where none could be had at the start, `startLanStun` rejects instead.
   */
  readonly onBindError?: (address: string, error: Error) => void;
  /**
   * The key a source address's signalling connection to this server is counted under (the server's `AddressKey`: an
   * IPv6 address's /64), or undefined for none (`StunAnswerBudget`); none by default. A connected source's budget is
   * kept under that key: per raw address, every address of a connected /64 got a budget of its own, past every bound
   * (found by review).
   */
  readonly connected?: (address: string) => string | undefined;
  /**
   * The machine's addresses, for a wildcard `host` (`0.0.0.0`, `0`: its IPv4 ones; `::`: IPv6 too, but link-local ones,
   * which need an interface named): `os.networkInterfaces()` by default.
   */
  readonly addresses?: () => readonly string[];
  /** How often a wildcard responder looks for addresses the machine gained or lost (10 s by default). */
  readonly rescanMs?: number;
  readonly nowMs?: ClockMs;
}

/** How often a responder listening on every interface looks again at the machine's addresses (a laptop joining the Wi-Fi late). */
export const LAN_STUN_RESCAN_MS = 10_000;

/**
 * The answer to `datagram` from `from`, or undefined for none: not a Binding request, or from no address and port an
 * answer can go to (port 0, which `send` throws on; an address `bindingSuccess` cannot write, as a link-local one whose
 * interface name Node's `isIPv6` refuses). A throw in the socket's handler would have ended the server (found by review).
 */
export function stunAnswerTo(datagram: Uint8Array, from: { address: string; port: number }): Uint8Array | undefined {
  if (!Number.isInteger(from.port) || from.port < 1 || from.port > 65535) return undefined;
  const request = readBindingRequest(datagram);
  if (!request.ok) return undefined;
  try {
    return bindingSuccess(request.transactionId, from.address, from.port);
  } catch {
    return undefined;
  }
}

/** The machine's addresses a wildcard `host` covers, from `os.networkInterfaces()`. */
function machineAddresses(host: string): string[] {
  const withIpv6 = isIPv6(host);
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' || (withIpv6 && !entry.address.toLowerCase().startsWith('fe80:')))
    .map((entry) => entry.address);
}

/** Binds one UDP socket answering Binding requests on `address`:`port`; closes it again if the bind fails. */
function bindResponder(
  address: string,
  port: number,
  budget: StunAnswerBudget,
  options: LanStunOptions,
): Promise<Socket> {
  const socket: Socket = createSocket(isIPv6(address) ? { type: 'udp6', ipv6Only: true } : { type: 'udp4' });
  socket.on('message', (datagram, from) => {
    const answer = stunAnswerTo(datagram, from);
    if (!answer) return;
    const connectedKey = options.connected?.(from.address);
    if (!budget.tryAnswer(connectedKey ?? from.address, connectedKey !== undefined)) return;
    // A send that fails (the sender's address unreachable) concerns that sender alone.
    socket.send(answer, from.port, from.address, () => {});
  });
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      socket.close();
      reject(error);
    };
    socket.once('error', failed);
    socket.bind(port, address, () => {
      socket.off('error', failed);
      socket.on('error', (error) => options.onError?.(error));
      resolve(socket);
    });
  });
}

/**
 * Starts answering on `host`:`port` over UDP (on each of the machine's addresses for a wildcard host, as
 * `WILDCARD_HOSTS` says); rejects as `dgram`'s `bind` does (the port taken, the host unknown) when no socket could be
 * bound, and tells `onBindError` of each address it could not have where others could.
 */
export async function startLanStun(options: LanStunOptions): Promise<LanStun> {
  const budget = new StunAnswerBudget(options.nowMs);
  const wildcard = WILDCARD_HOSTS.has(options.host);
  const sockets = new Map<string, Socket>();
  let closed = false;
  const closeSocket = (socket: Socket) => new Promise<void>((done) => socket.close(() => done()));
  /** Binds the addresses the machine gained, closes those of addresses it lost; the failures, by address. */
  const scan = async (): Promise<Map<string, Error>> => {
    const failures = new Map<string, Error>();
    let addresses: readonly string[];
    try {
      addresses = wildcard ? (options.addresses ?? (() => machineAddresses(options.host)))() : [options.host];
    } catch (error) {
      failures.set(options.host, error instanceof Error ? error : new Error(String(error)));
      return failures;
    }
    for (const [address, socket] of sockets)
      if (!addresses.includes(address)) {
        sockets.delete(address);
        await closeSocket(socket);
      }
    for (const address of addresses) {
      if (sockets.has(address) || closed) continue;
      try {
        const socket = await bindResponder(address, options.port, budget, options);
        if (closed) await closeSocket(socket);
        else sockets.set(address, socket);
      } catch (error) {
        failures.set(address, error instanceof Error ? error : new Error(String(error)));
      }
    }
    return failures;
  };
  /** The addresses whose failures were told: each once, until it is bound or gone (a rescan every 10 s told it anew). */
  const told = new Set<string>();
  const tell = (failures: Map<string, Error>) => {
    for (const address of told) if (!failures.has(address)) told.delete(address);
    for (const [address, error] of failures) {
      if (told.has(address)) continue;
      told.add(address);
      options.onBindError?.(address, error);
    }
  };
  const failures = await scan();
  if (sockets.size === 0)
    throw failures.values().next().value ?? new Error(`no address to listen on for ${options.host}`);
  tell(failures);
  /** The rescan under way, which a close waits for (a socket it binds after the close is closed). */
  let scanning: Promise<void> | undefined;
  const rescan = wildcard
    ? setInterval(() => {
        scanning ??= scan()
          .then(tell, (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error))))
          .finally(() => (scanning = undefined));
      }, options.rescanMs ?? LAN_STUN_RESCAN_MS).unref()
    : undefined;
  let closing: Promise<void> | undefined;
  return {
    port: options.port,
    close() {
      closed = true;
      clearInterval(rescan);
      // Once: a second close of a socket throws.
      closing ??= (async () => {
        await scanning;
        await Promise.all([...sockets.values()].map(closeSocket));
        sockets.clear();
      })();
      return closing;
    },
  };
}

/**
 * The ICE server a client is told to ask, `stun:<the host it reached this server by>:<port>`, from its request's `Host`
 * header: the name or address it typed or scanned, which on a LAN reaches this machine, as the UDP port does. None for
 * a loopback host (on one machine every tab's mDNS names resolve, and a tab's address is this machine's anyway) or a
 * header that is no plain `host[:port]` (a client writes its own header: it only chooses what it is told itself).
 */
export function lanStunServerFor(hostHeader: string | undefined, stunPort: number): IceServer | undefined {
  if (hostHeader === undefined || hostHeader === '' || hostHeader.length > 300) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${hostHeader}`);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '')
    return undefined;
  if (isLoopbackHost(url.hostname)) return undefined;
  return { urls: `stun:${url.hostname}:${stunPort}` };
}
