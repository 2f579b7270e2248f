import { settingsInRun, type PeerProgress, type PeerRunSettings, type SwarmProgress } from '@swarmlab/protocol';

/**
 * The links in effect for `peer`, as its row shows them: the run's while a run goes on (what shapes it now),
 * else those the next run starts with, so a "Set links" shows at once (the finished run's would hide it). A
 * member's own settings count within the run's caps, as the server will apply them: a link's `?up=5MB/s` in a
 * swarm capped at 1 MB/s showed "5 MB/s" on every screen until the run started at 1.
 */
export function linksInEffect(progress: SwarmProgress, peer: PeerProgress): PeerRunSettings {
  const run = progress.run;
  const part = run?.phase === 'running' ? run.participants.find((other) => other.peerId === peer.peerId) : undefined;
  return part
    ? part.settings
    : settingsInRun(progress.config, peer.override, peer.overrideByControl ?? false, peer.role);
}
