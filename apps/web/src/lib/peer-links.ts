import { resolvePeerSettings, type PeerProgress, type PeerRunSettings, type SwarmProgress } from '@swarmlab/protocol';

/**
 * The links in effect for `peer`, as its row shows them: the run's while a run goes on (what shapes it now),
 * else those the next run starts with, so a "Set links" shows at once (the finished run's would hide it).
 */
export function linksInEffect(progress: SwarmProgress, peer: PeerProgress): PeerRunSettings {
  const run = progress.run;
  const part = run?.phase === 'running' ? run.participants.find((other) => other.peerId === peer.peerId) : undefined;
  return part ? part.settings : resolvePeerSettings(progress.config, peer.override, peer.role);
}
