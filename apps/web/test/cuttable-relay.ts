import { createServer, Socket, type Server } from 'node:net';

/**
 * A TCP relay to the server that the test can cut, as a classroom's Wi-Fi drops: the server sees the tab's transport
 * close (the member is away, not gone), and the tab's client reconnects once the relay is back. `hold` stops passing
 * on what the tab sends, its connections kept open: every request it makes from then on waits for an answer.
 */
export async function cuttableRelay(
  port: number,
): Promise<{ url: string; cut(): void; restore(): void; hold(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  /** What each connection of the tab is piped into. */
  const toServer = new Map<Socket, Socket>();
  let open = true;
  const relay: Server = createServer((incoming) => {
    if (!open) return void incoming.destroy();
    const outgoing = new Socket();
    outgoing.connect(port, '127.0.0.1');
    for (const socket of [incoming, outgoing]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    incoming.pipe(outgoing).pipe(incoming);
    toServer.set(incoming, outgoing);
    incoming.on('close', () => toServer.delete(incoming));
    incoming.on('close', () => outgoing.destroy());
    outgoing.on('close', () => incoming.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('the relay has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore: () => (open = true),
    hold: () => {
      for (const [incoming, outgoing] of toServer) incoming.unpipe(outgoing);
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}
