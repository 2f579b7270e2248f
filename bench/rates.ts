import { MAX_CAP_BYTES_PER_SEC, MIN_CAP_BYTES_PER_SEC } from '@swarmlab/protocol';
import { parseByteQuantity } from '@swarmlab/theory';
import { UsageError } from './args';

/**
 * A link cap given as `--name 2MB/s`: bytes per second, whole (the run form and the theory are given the same
 * number), within what a run takes (10 kB/s to 10 GB/s),
 * checked before any browser or peer is started; undefined when the flag is absent. Bit units ("2Mbps") are
 * refused with their byte figure, never read as bytes.
 */
export function capRateFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = parseByteQuantity(text, 'rate');
  if (!parsed.ok) throw new UsageError(`--${name}: ${parsed.reason}`);
  if (!(parsed.value >= MIN_CAP_BYTES_PER_SEC && parsed.value <= MAX_CAP_BYTES_PER_SEC))
    throw new UsageError(
      `--${name} must be from ${MIN_CAP_BYTES_PER_SEC / 1000}kB/s to ${MAX_CAP_BYTES_PER_SEC / 1e9}GB/s (omit it for no cap)`,
    );
  return Math.round(parsed.value);
}
