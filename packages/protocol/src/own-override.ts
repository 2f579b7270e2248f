import { resolvePeerSettings, type PeerOverride, type PeerRole, type PeerRunSettings, type RunConfig } from './run';

/**
 * A member's own link settings (set from its tab, or its share link's `?up=…`, without the control secret) as a
 * run applies them: they may tighten the run's caps, never loosen them. A cap of its own above the run's, or
 * none where the run has one, gives way to the run's. Otherwise two tabs of one person set to "no cap" could
 * claim, and corroborate for each other, a completion 200 ms into a shaped run of 100 s, and the bound the run
 * is measured against collapsed with their claimed rates (found by review). Settings the controller gave a
 * member (`peer:configure` with the secret) stand as given: loosening one peer's link is part of an experiment.
 */
export function ownOverrideWithinCaps(config: RunConfig, override: PeerOverride, role: PeerRole): PeerOverride {
  const within = (own: number | null | undefined, cap: number | null): number | null | undefined => {
    if (own === undefined || cap === null) return own;
    return own === null ? undefined : Math.min(own, cap);
  };
  const swarmUpload = role === 'seeder' ? config.seederUploadBytesPerSec : config.peerUploadBytesPerSec;
  const { uploadBytesPerSec, downloadBytesPerSec, ...rest } = override;
  const upload = within(uploadBytesPerSec, swarmUpload);
  const download = within(downloadBytesPerSec, config.peerDownloadBytesPerSec);
  return {
    ...rest,
    ...(upload !== undefined && { uploadBytesPerSec: upload }),
    ...(download !== undefined && { downloadBytesPerSec: download }),
  };
}

/**
 * The settings a run gives a member under `config`: its override as given if the controller set it
 * (`byControl`), else within the run's caps (`ownOverrideWithinCaps`). The server starts runs with these, and
 * screens show them between runs, so the table says what the next run will apply.
 */
export function settingsInRun(
  config: RunConfig,
  override: PeerOverride,
  byControl: boolean,
  role: PeerRole,
): PeerRunSettings {
  return resolvePeerSettings(config, byControl ? override : ownOverrideWithinCaps(config, override, role), role);
}
