import type { PeerLink } from '@swarmlab/engine';
import { pollUntil, testFile } from '@swarmlab/test-kit';
import { startSignallingServer, type TestSignallingServer } from '@swarmlab/test-kit/server';
import { CONNECTION_LOST_MESSAGE, SignallingClient, SwarmConnector } from '@swarmlab/webrtc';
import type { Instance as SimplePeerInstance } from 'simple-peer';
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
  /** Every WebRTC connection it made, in order. */
  readonly peers: SimplePeerInstance[];
}

function side(signalling: SignallingClient, peerId: string): Side {
  const links: PeerLink[] = [];
  const errors: string[] = [];
  const received: string[] = [];
  const peers: SimplePeerInstance[] = [];
  const connector = new SwarmConnector({
    signalling,
    localPeerId: peerId,
    iceServers: [],
    createPeer: (options) => {
      const peer = nodePeerFactory(options);
      peers.push(peer);
      return peer;
    },
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
  return { peerId, connector, links, errors, received, peers };
}

/** A founder and a joiner in one swarm, neither connected yet. */
async function twoMembers(): Promise<[Side, Side]> {
  server = await startSignallingServer();
  const file = await testFile(64 * 1024, 16 * 1024);
  const founder = SignallingClient.connect(server.url);
  const created = await founder.createSwarm({ manifest: file.manifest, contentId: file.contentId });
  if (!created.ok) throw new Error(created.error.message);
  const joiner = SignallingClient.connect(server.url);
  const joined = await joiner.joinSwarm({ swarmId: created.swarmId });
  if (!joined.ok) throw new Error(joined.error.message);
  return [side(founder, created.peerId), side(joiner, joined.peerId)];
}

/** `from` sends `text` over its latest link, and `to` receives it. */
async function exchange(from: Side, to: Side, text: string): Promise<void> {
  from.links.at(-1)!.send(new TextEncoder().encode(text));
  await pollUntil(() => to.received.includes(text), `"${text}" to arrive`, WAIT_MS);
}

it('two members that offer to each other at once (glare) connect at once, one of them answering', async () => {
  const [a, b] = await twoMembers();

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

it.each([
  ['the side that opened it', 1],
  ['the side that answered', 0],
] as const)(
  'a connection that breaks while both stay in the swarm (%s loses it) is opened again, by the side that opened it',
  async (_, breaking) => {
    const [founder, joiner] = await twoMembers();
    joiner.connector.connectTo([founder.peerId]); // the newcomer opens it
    await pollUntil(() => founder.links.length === 1 && joiner.links.length === 1, 'a connection', WAIT_MS);
    await exchange(joiner, founder, 'before');

    // Its WebRTC connection dies under it (ICE failed, say), not through the link: nobody closed it on purpose.
    const [sideBreaking] = [founder, joiner].filter((_, index) => index === breaking);
    sideBreaking!.peers[0]!.destroy();
    await pollUntil(() => founder.links.length === 2 && joiner.links.length === 2, 'a new connection', 3 * WAIT_MS);
    await exchange(joiner, founder, 'after, one way');
    await exchange(founder, joiner, 'after, the other');
    expect(joiner.errors).toContain(`${founder.peerId}: ${CONNECTION_LOST_MESSAGE}`);
    expect([founder.connector.connectedPeerIds.size, joiner.connector.connectedPeerIds.size]).toEqual([1, 1]);
  },
);

it('a connection one side closes on purpose is not opened again by that side', async () => {
  const [founder, joiner] = await twoMembers();
  joiner.connector.connectTo([founder.peerId]);
  await pollUntil(() => founder.links.length === 1 && joiner.links.length === 1, 'a connection', WAIT_MS);
  // The side that opened it drops it (as a tab drops a peer that broke the protocol).
  joiner.links[0]!.close();
  await pollUntil(() => founder.connector.connectedPeerIds.size === 0, 'the other side to see it closed', WAIT_MS);
  // Longer than a reconnection's first delay (2 s, randomised up to 3 s).
  await new Promise((resolve) => setTimeout(resolve, 4000));
  expect([founder.links.length, joiner.links.length]).toEqual([1, 1]);
  expect(joiner.errors).toEqual([]);
});
