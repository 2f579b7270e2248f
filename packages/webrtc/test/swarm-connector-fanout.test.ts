import type { IceServer } from '@swarmlab/protocol';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INITIATED_CONNECTIONS, SwarmConnector, type PeerFactory } from '../src/swarm-connector';

/** A stand-in for simple-peer that never connects unless told to (`emit('connect')`). */
type FakePeer = EventEmitter & { destroyed: boolean };

/**
 * Counts the connections a connector initiates, without WebRTC (`initiated`, and the peers made, `peers`, with the
 * options each was made with, `options`).
 */
function connector(seeds: boolean, iceServers: readonly IceServer[] = []) {
  const initiated: boolean[] = [];
  const peers: FakePeer[] = [];
  const options: Parameters<PeerFactory>[0][] = [];
  const createPeer: PeerFactory = (made) => {
    initiated.push(made.initiator === true);
    options.push(made);
    const peer: FakePeer = Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy() {
        peer.destroyed = true;
      },
      signal() {},
    });
    peers.push(peer);
    return peer as unknown as ReturnType<PeerFactory>;
  };
  const swarm = new SwarmConnector({
    signalling: { on: () => () => {}, sendSignal: async () => ({ ok: true }) },
    localPeerId: 'me',
    iceServers,
    createPeer,
    onLink: () => {},
    seeds,
  });
  return { swarm, initiated, peers, options };
}

const members = Array.from({ length: 39 }, (_, i) => `peer-${i}`);

describe('SwarmConnector.connectTo', () => {
  it('opens at most 24 connections for a leecher (the first member always among them: swarm-connector-failures)', () => {
    const { swarm, initiated } = connector(false);
    swarm.connectTo(members);
    expect(initiated).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS);
    expect(initiated.every(Boolean)).toBe(true);
    swarm.destroy();
  });

  it('opens one to every member for the seeder (back after a restart, or picked again): in client-server it alone sends', () => {
    const { swarm, initiated } = connector(true);
    swarm.connectTo(members);
    expect(initiated).toHaveLength(members.length);
    swarm.destroy();
  });

  it('tops up to 24 as the tab takes its place back, never past: each drop opened 24 more, a class of 64 became a full mesh (found by review)', () => {
    const { swarm, initiated, peers } = connector(false);
    const classmates = Array.from({ length: 63 }, (_, i) => `peer-${i}`);
    swarm.seederPeerId = 'peer-0';
    swarm.connectTo(classmates);
    for (const peer of peers) peer.emit('connect');
    expect(swarm.connectedPeerIds.size).toBe(DEFAULT_MAX_INITIATED_CONNECTIONS);
    // Two drops of the signalling connection: each time back, the peers it has no open connection with (`back`).
    for (let drop = 0; drop < 2; drop++)
      swarm.connectTo(classmates.filter((peerId) => !swarm.connectedPeerIds.has(peerId)));
    expect(initiated).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS);
    swarm.destroy();
  });

  it('counts the connections being set up, those it answered included, and opens only what the cap leaves', () => {
    const { swarm, initiated, peers } = connector(false);
    swarm.connectTo(members.slice(0, 10));
    for (const peer of peers.slice(0, 4)) peer.emit('connect');
    for (const peerId of members.slice(30, 32)) swarm.acceptSignal(peerId, { type: 'offer', sdp: 'v=0 offer' });
    // Four open, six offered and two answered being set up: back, it opens 12 more.
    swarm.connectTo(members);
    expect(initiated.filter(Boolean)).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS - 2);
    expect(initiated).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS);
    swarm.destroy();
  });

  it('opens one to the seeder when back, however many it has: a leecher without it could never complete', () => {
    const { swarm, initiated, peers, options } = connector(false);
    const classmates = Array.from({ length: 63 }, (_, i) => `peer-${i}`);
    swarm.connectTo(classmates.slice(1));
    for (const peer of peers) peer.emit('connect');
    swarm.seederPeerId = 'peer-0';
    swarm.connectTo(classmates.filter((peerId) => !swarm.connectedPeerIds.has(peerId)));
    expect(initiated).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS + 1);
    expect(options.at(-1)?.initiator).toBe(true);
    peers.at(-1)!.emit('connect');
    expect(swarm.connectedPeerIds.has('peer-0')).toBe(true);
    swarm.destroy();
  });

  it('still opens one to every member it has none with for the seeder when back', () => {
    const { swarm, initiated, peers } = connector(true);
    swarm.connectTo(members.slice(0, 30));
    for (const peer of peers) peer.emit('connect');
    swarm.connectTo(members.filter((peerId) => !swarm.connectedPeerIds.has(peerId)));
    expect(initiated).toHaveLength(members.length);
    swarm.destroy();
  });
});

describe('SwarmConnector.connectTo, back after classmates left unseen', () => {
  it('counts no try to a peer no longer listed, and tops up in its stead (found by review)', () => {
    const { swarm, initiated, peers } = connector(false);
    const classmates = Array.from({ length: 40 }, (_, i) => `peer-${i}`);
    swarm.seederPeerId = 'peer-0';
    swarm.connectTo(classmates);
    for (const peer of peers) peer.emit('connect');
    const connected = [...swarm.connectedPeerIds];
    expect(connected).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS);
    // Ten of them leave while this tab's signalling is down: their connections drop, to be tried again.
    const gone = connected.filter((peerId) => peerId !== 'peer-0').slice(0, 10);
    for (const peerId of gone) peers[connected.indexOf(peerId)]!.emit('close');
    expect(swarm.connectedPeerIds.size).toBe(DEFAULT_MAX_INITIATED_CONNECTIONS - 10);
    // Back: the server lists the members left; those it has no open connection with are asked for.
    const listed = classmates.filter((peerId) => !gone.includes(peerId) && !swarm.connectedPeerIds.has(peerId));
    swarm.connectTo(listed);
    // Before, the ten tries to the departed counted: nothing opened, the tab 10 short until its next drop.
    expect(initiated).toHaveLength(DEFAULT_MAX_INITIATED_CONNECTIONS + 10);
    swarm.destroy();
  });
});

describe('SwarmConnector.iceServers', () => {
  it('makes every connection from then on with the ICE servers it is told: restarted with STUN/TURN, the server reached no tab back (found by review)', () => {
    const { swarm, options } = connector(false);
    swarm.connectTo(['peer-0']);
    expect(options[0]?.config?.iceServers).toEqual([]);
    swarm.iceServers = [
      { urls: 'stun:stun.test.invalid:3478' },
      { urls: ['turn:turn.test.invalid'], username: 'u', credential: 'c' },
    ];
    swarm.connectTo(['peer-1']);
    expect(options[1]?.config?.iceServers).toEqual([
      { urls: 'stun:stun.test.invalid:3478' },
      { urls: ['turn:turn.test.invalid'], username: 'u', credential: 'c' },
    ]);
    swarm.destroy();
  });
});
