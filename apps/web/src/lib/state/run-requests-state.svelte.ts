/**
 * How long the run form waits, after the server said yes, for the swarm's table to show the run started or
 * stopped: the broadcast comes within a quarter of a second (a peer's page draws it up to half a second later).
 * Pressed again in that gap, the button was refused for what had just worked.
 */
export const AWAIT_BROADCAST_MS = 3000;

/** Start pressed (or Enter in a field) while a run goes on: the button is unavailable then, and did nothing unsaid. */
export const RUN_GOING_ON = 'A run is going on: stop it first, then start the new one.';

/**
 * The run form's requests as they go (`RunControls`): whether one is under way, the refusal to show, and the
 * wait for the table to show what the server accepted. The form tells it what the latest table shows
 * (`tableShows`), so a refusal that table contradicts goes: a start that timed out although the run started
 * said under the form that it had failed until the next press (found by review).
 */
export class RunRequestsState {
  /** A request is under way: both buttons are unavailable. */
  busy = $state(false);
  /** The refusal (or the form's own complaint) to show, in an alert. */
  message = $state<string | undefined>();
  /** Whether the run is to be running, once the server accepted a start or a stop, until the table shows it. */
  awaiting = $state<boolean | undefined>();
  /** Whether the last refused request wanted the run running (start) or not (stop). */
  #refusedFor: boolean | undefined;
  #awaitTimer: ReturnType<typeof setTimeout> | undefined;
  #running = $state(false);

  /** What the latest table shows: whether the run is running. */
  tableShows(running: boolean): void {
    this.#running = running;
    if (this.awaiting !== undefined && running === this.awaiting) this.awaiting = undefined;
    // The table shows what the refused request asked for: the refusal was wrong (a timeout), or is moot.
    if (this.#refusedFor !== undefined && running === this.#refusedFor) {
      this.#refusedFor = undefined;
      this.message = undefined;
    }
  }

  get startUnavailable(): boolean {
    return this.busy || this.awaiting !== undefined || this.#running;
  }

  get stopUnavailable(): boolean {
    return this.busy || this.awaiting !== undefined || !this.#running;
  }

  /**
   * Shows `text` in the alert, inserted anew even when it says what it said last (`settle` lets the page draw
   * its removal first): the same refusal twice changed nothing on the page, and a screen reader said nothing the
   * second time (found by review).
   */
  async say(text: string, settle: () => Promise<void>): Promise<void> {
    this.#refusedFor = undefined;
    this.message = undefined;
    await settle();
    this.message = text;
  }

  /**
   * Start was pressed while it is unavailable. While the run goes on (no request under way), says why, until a table
   * shows the run over: a teacher who changed the caps mid-run and pressed Start, or Enter in a cap's field, saw
   * nothing happen (found by review). A request under way says its own outcome.
   */
  async startUnavailablePressed(settle: () => Promise<void>): Promise<void> {
    if (!this.#running || this.busy || this.awaiting !== undefined) return;
    await this.say(RUN_GOING_ON, settle);
    // Moot, as a refused stop is, once a table shows the run not running.
    if (this.message === RUN_GOING_ON) this.#refusedFor = false;
  }

  /** Makes a request that is to leave the run running (`runningAfter`) or not; `action` resolves to a refusal. */
  async act(action: () => Promise<string | undefined>, runningAfter: boolean): Promise<void> {
    this.busy = true;
    // Gone while the server is asked (a round trip at least): a refusal is inserted anew, and read.
    this.message = undefined;
    this.#refusedFor = undefined;
    try {
      const refusal = await action();
      if (refusal !== undefined) {
        // The table may already show what was asked for (it came during the request): then it is moot.
        if (this.#running === runningAfter) return;
        this.message = refusal;
        this.#refusedFor = runningAfter;
      } else if (this.#running !== runningAfter) {
        this.awaiting = runningAfter;
        clearTimeout(this.#awaitTimer);
        this.#awaitTimer = setTimeout(() => (this.awaiting = undefined), AWAIT_BROADCAST_MS);
      }
    } finally {
      this.busy = false;
    }
  }

  /** The form is gone: no timer left behind. */
  dispose(): void {
    clearTimeout(this.#awaitTimer);
  }
}
