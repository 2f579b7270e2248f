import type { PeerId, SwarmId } from '@swarmlab/protocol';
import type { SocketId } from './swarm-registry';

/** A presence of one of this process's sockets: the swarm it follows, as a member (its peer id) or a screen. */
export interface LocalPresence {
  readonly swarmId: SwarmId;
  readonly peerId: PeerId | null;
}

/**
 * Where this process's sockets are, on the Redis path (`RedisSwarmStore`), indexed by swarm too: each write of a
 * swarm replaces that swarm's presences, and looked through every socket of the process, the cost of every report
 * grew with the sockets of every other swarm (found by review).
 */
export class LocalPresences {
  readonly #bySocket = new Map<SocketId, LocalPresence>();
  readonly #bySwarm = new Map<SwarmId, Set<SocketId>>();

  get(socketId: SocketId): LocalPresence | undefined {
    return this.#bySocket.get(socketId);
  }

  delete(socketId: SocketId): void {
    const presence = this.#bySocket.get(socketId);
    if (!presence) return;
    this.#bySocket.delete(socketId);
    const sockets = this.#bySwarm.get(presence.swarmId);
    sockets?.delete(socketId);
    if (sockets?.size === 0) this.#bySwarm.delete(presence.swarmId);
  }

  /** The presences in `swarmId` are now `present` (none: it ended, or no socket of this process follows it). */
  replaceSwarm(swarmId: SwarmId, present: Iterable<readonly [SocketId, PeerId | null]>): void {
    for (const socketId of [...(this.#bySwarm.get(swarmId) ?? [])]) this.delete(socketId);
    for (const [socketId, peerId] of present) {
      // A socket follows one swarm: a presence elsewhere, not yet replaced, is gone.
      this.delete(socketId);
      this.#bySocket.set(socketId, { swarmId, peerId });
      let sockets = this.#bySwarm.get(swarmId);
      if (!sockets) this.#bySwarm.set(swarmId, (sockets = new Set()));
      sockets.add(socketId);
    }
  }

  /** Sockets with a presence, and swarms with one (for tests). */
  get size(): { readonly sockets: number; readonly swarms: number } {
    return { sockets: this.#bySocket.size, swarms: this.#bySwarm.size };
  }
}
