/** From here up, two decimals are 4 significant digits or more. */
const TWO_DECIMALS_FROM_SEC = 10;

/**
 * A time as `pnpm sim` prints it: two decimals from 10 s up ("14.21"), 4 significant digits below ("1.234",
 * "0.006104"). Two decimals everywhere printed a fast swarm's bound as "0.00 s" beside a ratio of 171.6614 (found by
 * review).
 */
export function secondsText(seconds: number): string {
  return Math.abs(seconds) >= TWO_DECIMALS_FROM_SEC ? seconds.toFixed(2) : seconds.toPrecision(4);
}
