import { tick } from 'svelte';

/**
 * A sentence shown in a `role="alert"` element, inserted anew when it says what it said last: an alert is read as it
 * is inserted, and the same text set again changes nothing on the page, so the same refusal twice (a folder dropped
 * twice, the same empty file picked again) was neither redrawn nor read (found by review). Held by every form that
 * says why it refused (the start page, the name, a code, a peer's links, the seeder's own upload); a call overtaken by a
 * later one or by `clear` leaves its text unsaid (the user moved on meanwhile). `RunRequestsState` clears its alert at
 * every request instead, and says a refusal after the round trip.
 */
export class AlertText {
  #text = $state.raw<string | undefined>();
  /** Lets the page draw the alert's removal before the same text is put back (Svelte's `tick` in the page). */
  readonly #settle: () => Promise<void>;
  /** Counts `say` calls: of two overlapping, the later one's text stays. */
  #said = 0;

  constructor(settle: () => Promise<void> = tick) {
    this.#settle = settle;
  }

  get text(): string | undefined {
    return this.#text;
  }

  async say(text: string): Promise<void> {
    const saying = ++this.#said;
    if (this.#text === text) {
      this.#text = undefined;
      await this.#settle();
      if (saying !== this.#said) return;
    }
    this.#text = text;
  }

  /**
   * Starts something whose outcome is said when it comes (a server's answer): the function returned says its refusal,
   * or clears the alert for `undefined`, and resolves true; unless a later `attempt`, `say` or `clear` came meanwhile,
   * when it does nothing and resolves false (the caller then acts on nothing either). Two overlapping saves, a refusal
   * then a success, left the refusal up; a success answered after a second name refused at once cleared that refusal
   * and said "Saved" beside it (found by review).
   */
  attempt(): (outcome: string | undefined) => Promise<boolean> {
    const attempt = ++this.#said;
    return async (outcome) => {
      if (attempt !== this.#said) return false;
      if (outcome === undefined) this.clear();
      else await this.say(outcome);
      return true;
    };
  }

  clear(): void {
    this.#said++;
    this.#text = undefined;
  }
}
