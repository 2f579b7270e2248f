import type { PeerLink } from '@swarmlab/engine';
import { pollUntil, testFile } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { SignallingClient, SwarmConnector } from '@swarmlab/webrtc';
import { afterEach, expect, it } from 'vitest';
import { nodePeerFactory } from '../src/node-peer-factory';

/** Far less than the connector's retries would take (2 s, 4 s, 8 s): a connection made here was made at once. */
const WAIT_MS = 8_000;

let server: TestSignallingServer | undefined;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.close();
  server = undefined;
});

interface Side {
  readonly peerId: string;
  readonly connector: SwarmConnector;
  readonly links: PeerLink[];
  readonly errors: string[];
  readonly received: string[];
}

function side(signalling: SignallingClient, peerId: string): Side {
  const links: PeerLink[] = [];
  const errors: string[] = [];
  const received: string[] = [];
  const connector = new SwarmConnector({
    signalling,
    localPeerId: peerId,
    iceServers: [],
    createPeer: nodePeerFactory,
    onLink: (link) => {
      links.push(link);
      link.attach({
        message: (bytes) => received.push(new TextDecoder().decode(bytes)),
        decoded: () => {},
        drain: () => {},
        close: () => {},
      });
    },
    onConnectError: (remote, message) => errors.push(`${remote}: ${message}`),
  });
  cleanups.push(() => {
    for (const link of links) link.close();
    connector.destroy();
    signalling.disconnect();
  });
  return { peerId, connector, links, errors, received };
}

it('two members that offer to each other at once (glare) connect at once, one of them answering', async () => {
  server = await startSignallingServer();
  const file = await testFile(64 * 1024, 16 * 1024);
  const founder = SignallingClient.connect(server.url);
  const created = await founder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
  if (!created.ok) throw new Error(created.error.message);
  const joiner = SignallingClient.connect(server.url);
  const joined = await joiner.joinSwarm({ swarmId: created.swarmId });
  if (!joined.ok) throw new Error(joined.error.message);
  const a = side(founder, created.peerId);
  const b = side(joiner, joined.peerId);

  // As after a server restart: each connects to the members it has no connection with, at the same moment.
  a.connector.connectTo([b.peerId]);
  b.connector.connectTo([a.peerId]);
  await pollUntil(() => a.links.length === 1 && b.links.length === 1, 'both sides to connect', WAIT_MS);

  a.links[0]!.send(new TextEncoder().encode('from a'));
  b.links[0]!.send(new TextEncoder().encode('from b'));
  await pollUntil(() => a.received.length === 1 && b.received.length === 1, 'a message each way', WAIT_MS);
  expect([a.received, b.received]).toEqual([['from b'], ['from a']]);
  // The side that yields drops its own offer without calling it a failure; nothing else failed.
  expect([...a.errors, ...b.errors]).toEqual([]);
  expect([a.connector.connectedPeerIds.size, b.connector.connectedPeerIds.size]).toEqual([1, 1]);
});
