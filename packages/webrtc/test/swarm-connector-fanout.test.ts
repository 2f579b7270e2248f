import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_INITIATED_CONNECTIONS, SwarmConnector, type PeerFactory } from '../src/swarm-connector';

/** Counts the connections a connector initiates, without WebRTC: each is a peer that never connects. */
function connector(seeds: boolean) {
  const initiated: boolean[] = [];
  const createPeer: PeerFactory = (options) => {
    initiated.push(options.initiator === true);
    return Object.assign(new EventEmitter(), {
      destroyed: false,
      destroy() {
        this.destroyed = true;
      },
      signal() {},
    }) as unknown as ReturnType<PeerFactory>;
  };
  const swarm = new SwarmConnector({
    signalling: { on: () => () => {}, sendSignal: async () => ({ ok: true }) },
    localPeerId: 'me',
    iceServers: [],
    createPeer,
    onLink: () => {},
    seeds,
  });
  return { swarm, initiated };
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
});
