import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { isLoopbackHost, type IceServer } from '@swarmlab/protocol';
import { bindingSuccess, readBindingRequest } from './stun-message';

/**
 * A STUN responder on the server's own port number, over UDP, for a classroom whose Wi-Fi blocks multicast.
 *
 * A page on a plain-http LAN origin holds no camera permission, so Chromium hides its address behind an mDNS name
 * (`<uuid>.local`), which the other laptop resolves by multicast. Where the network drops multicast (some school
 * networks do), no pair of laptops connects. Asked by a browser, this responder says the address the request came
 * from, which on a LAN is the laptop's own: the browser then also offers that address (a server-reflexive candidate),
 * and the pair connects. It only answers Binding requests (`stun-message.ts`), with an answer no larger than the
 * request's header and address: nothing to amplify, nothing kept.
 */
export interface LanStun {
  /** The UDP port it answers on. */
  readonly port: number;
  /** Stops answering; settles once the socket is closed. */
  close(): Promise<void>;
}

export interface LanStunOptions {
  readonly host: string;
  readonly port: number;
  /** Told of a socket error after the start (the responder keeps answering). */
  readonly onError?: (error: Error) => void;
}

/** Starts answering on `host`:`port` over UDP; rejects as `dgram`'s `bind` does (the port taken, the host unknown). */
export function startLanStun(options: LanStunOptions): Promise<LanStun> {
  // A dual-stack socket for `::` (IPv4 clients too, as `::ffff:a.b.c.d`); IPv4 for an IPv4 address or a name.
  const socket: Socket = createSocket(isIPv6(options.host) ? { type: 'udp6' } : { type: 'udp4' });
  socket.on('message', (datagram, from) => {
    const request = readBindingRequest(datagram);
    if (!request.ok) return;
    // A send that fails (the sender's address unreachable) concerns that sender alone.
    socket.send(bindingSuccess(request.transactionId, from.address, from.port), from.port, from.address, () => {});
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port, options.host, () => {
      socket.off('error', reject);
      socket.on('error', (error) => options.onError?.(error));
      resolve({
        port: socket.address().port,
        close: () => new Promise((closed) => socket.close(() => closed())),
      });
    });
  });
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
