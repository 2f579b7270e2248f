/**
 * A signal repeated within this long is the same press: tsx, running the peer in a process of its own, sends a
 * signal its child was slow to take (busy for 30 ms) a second time, which was taken for a second Ctrl-C and
 * exited without removing the `.part` (found by review).
 */
export const SAME_PRESS_MS = 500;

/**
 * What a stop signal (Ctrl-C, SIGTERM, SIGHUP) means for a peer: the first asks it to leave and clean up; one
 * more, while that hangs (a close on a slow disk), exits at once; a repeat of the first within `SAME_PRESS_MS`
 * is the same press, and changes nothing.
 */
export type Press = 'first' | 'repeat' | 'again';

export class SignalPresses {
  #firstAtMs: number | undefined;

  /** Whether the peer is stopping (a first press came). */
  get stopping(): boolean {
    return this.#firstAtMs !== undefined;
  }

  press(nowMs: number): Press {
    if (this.#firstAtMs === undefined) {
      this.#firstAtMs = nowMs;
      return 'first';
    }
    return nowMs - this.#firstAtMs < SAME_PRESS_MS ? 'repeat' : 'again';
  }
}
