import { describe, expect, it } from 'vitest';
import type { SwarmProgress } from '@swarmlab/protocol';
import { CardPeers } from '../src/lib/projector/card-peers';
import { runState, swarmProgress } from './fakes';

/** `progress` without the members `gone` (they closed their tabs), its run as given. */
function without(progress: SwarmProgress, ...gone: string[]): SwarmProgress {
  return { ...progress, peers: progress.peers.filter((peer) => !gone.includes(peer.peerId)) };
}

describe('the projector’s cards', () => {
  it('keep a completer that left the swarm, as last seen, after the members, so no card moves', () => {
    const cards = new CardPeers();
    const running = swarmProgress('s', runState(1, 'running'));
    const named = { ...running, peers: running.peers.map((peer) => ({ ...peer, name: `name of ${peer.peerId}` })) };
    expect(cards.cardsOf(named).map(({ peer, left }) => [peer.peerId, left])).toEqual([
      ['seed', false],
      ['leech0', false],
      ['leech1', false],
    ]);
    // leech0 completes and closes its tab: the run's participants keep it, the members do not.
    const finished = swarmProgress('s', runState(1, 'finished'));
    const shown = cards.cardsOf(without(finished, 'leech0'));
    expect(shown.map(({ peer, left }) => [peer.peerId, left])).toEqual([
      ['seed', false],
      ['leech1', false],
      ['leech0', true],
    ]);
    const left = shown[2]!.peer;
    // Its name as the class saw it; away, so no rates are shown for it.
    expect(left.name).toBe('name of leech0');
    expect(left.away).toBe(true);
  });

  it('keep no card of a leecher that left before completing', () => {
    const cards = new CardPeers();
    const running = swarmProgress('s', runState(1, 'running'));
    cards.cardsOf(running);
    // Left before completing (its completedAfterMs is null): abandoned, not a result.
    expect(cards.cardsOf(without(running, 'leech1')).map(({ peer }) => peer.peerId)).toEqual(['seed', 'leech0']);
    // A new run: its participants are the members now.
    const next = swarmProgress('s', runState(2, 'running'));
    expect(cards.cardsOf(without(next, 'leech1')).map(({ peer }) => peer.peerId)).toEqual(['seed', 'leech0']);
  });

  it('make a card up for a completer that left before this screen saw it', () => {
    const cards = new CardPeers();
    const finished = swarmProgress('s', runState(1, 'finished'));
    const [, , made] = cards.cardsOf(without(finished, 'leech0'));
    expect(made).toEqual({
      left: true,
      peer: expect.objectContaining({ peerId: 'leech0', role: 'leecher', name: null, report: null, away: true }),
    });
  });
});
