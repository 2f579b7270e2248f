/**
 * Thrown when an input would make a bound meaningless: a rate that is zero, negative or not finite
 * where that matters, a peer count that is not a positive integer, a non-positive file size, or a
 * per-peer list whose length is not the peer count.
 *
 * `field` names the offending input (for example `peerDownloadBytesPerSec[2]`), so a caller can point
 * at the form field or command-line flag it came from.
 */
export class TheoryInputError extends Error {
  override readonly name = 'TheoryInputError';

  constructor(
    readonly field: string,
    /** What is wrong with it, without the field's name (for a caller that names it its own way). */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
