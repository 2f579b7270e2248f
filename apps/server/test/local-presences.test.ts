import { describe, expect, it } from 'vitest';
import { LocalPresences } from '../src/local-presences';

describe('a process’s presences, by socket and by swarm', () => {
  it('replaces a swarm’s presences with each write of it, leaving other swarms’ alone', () => {
    const presences = new LocalPresences();
    presences.replaceSwarm('X', [
      ['s1', 'p1'],
      ['s2', null],
    ]);
    presences.replaceSwarm('Y', [['s3', 'p3']]);
    expect(presences.get('s2')).toEqual({ swarmId: 'X', peerId: null });
    presences.replaceSwarm('X', [['s1', 'p1']]);
    expect(presences.get('s2')).toBeUndefined();
    expect(presences.get('s3')).toEqual({ swarmId: 'Y', peerId: 'p3' });
    // The swarm ended.
    presences.replaceSwarm('X', []);
    expect(presences.size).toEqual({ sockets: 1, swarms: 1 });
  });

  it('keeps a socket in one swarm: one that follows another now leaves the first’s index', () => {
    const presences = new LocalPresences();
    presences.replaceSwarm('X', [['s1', null]]);
    presences.replaceSwarm('Y', [['s1', 'p1']]);
    expect(presences.get('s1')).toEqual({ swarmId: 'Y', peerId: 'p1' });
    // X's next write (from before the socket moved) does not take it out of Y.
    presences.replaceSwarm('X', []);
    expect(presences.get('s1')).toEqual({ swarmId: 'Y', peerId: 'p1' });
    presences.delete('s1');
    expect(presences.size).toEqual({ sockets: 0, swarms: 0 });
  });
});
