#!/usr/bin/env tsx
// One process of a headless crowd (`headless-crowd.ts`): starts its share of leechers on a swarm link, one
// after another, and tells its parent what happens as JSON lines on stdout. It lives until its stdin closes
// (the parent went, or let it go).
import { startHeadlessPeer, type HeadlessPeer } from './headless-peer';
import { createCrowdEventRelay } from './crowd-event-relay';
import { crowdMessageLine, type CrowdMessage } from './crowd-message';

const [link, countText, firstIndexText] = process.argv.slice(2);
const count = Number(countText);
const firstIndex = Number(firstIndexText);

const say = (message: CrowdMessage): void => void process.stdout.write(crowdMessageLine(message));
/** The peers this process started, in the swarm until they close. */
const peers: HeadlessPeer[] = [];

async function main(): Promise<void> {
  if (!link || !Number.isInteger(count) || count < 1 || !Number.isInteger(firstIndex)) {
    throw new Error('usage: crowd-worker <share link> <count> <first index>');
  }
  const closeAll = (): void => {
    void Promise.allSettled(peers.map((peer) => peer.close())).then(() => process.exit(0));
  };
  process.stdin.on('end', closeAll);
  process.stdin.on('close', closeAll);
  process.stdin.resume();
  for (let index = firstIndex; index < firstIndex + count; index++) {
    const name = `student ${index + 1}`;
    const relay = createCrowdEventRelay(say);
    const peer = await startHeadlessPeer({ swarmLink: link, displayName: name, onEvent: relay.onEvent });
    peers.push(peer);
    say({ type: 'joined', peerId: peer.peerId, name });
    relay.named(peer.peerId);
  }
  say({ type: 'ready' });
}

// A peer that fails to start (the swarm full, say) ends the process, once the peers it started have left the swarm
// (killed with it, the server kept their places as away for its grace period) and the line has reached the parent (a
// pipe's write may still be on its way when the process exits: its reason was lost; found by review).
main().catch(async (error: unknown) => {
  await Promise.allSettled(peers.map((peer) => peer.close()));
  const line = crowdMessageLine({
    type: 'failed',
    peerId: '',
    message: error instanceof Error ? error.message : String(error),
  });
  process.stdout.write(line, () => process.exit(1));
});
