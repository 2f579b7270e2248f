import type { SwarmProgress } from '@swarmlab/protocol';
import { hasSeeder } from '../swarm-seeder';

/**
 * How long a screen whose connection came back (a restart, a drop) gives the seeder's tab to be back before it
 * takes a table without it for its leaving: the server's grace for members (`memberGraceMs`, 30 s by default),
 * and a margin.
 */
export const SEEDER_RETURN_WAIT_MS = 35_000;

/**
 * Whether the seeder's tab may be on its way back: from a drop of this screen's connection until a table shows the
 * seeder, or `waitMs` after the connection is back. A table without the seeder meanwhile is no sign that it left
 * (after a restart without Redis the class registers the swarm again in the order its tabs reconnect), so a screen
 * says so rather than "nobody seeds", and offers no reseed: a projector made a leecher of the restored run, or a
 * student's tab holding the control secret, seeding it, gave the swarm a second seeder once the first was back.
 * One rule for the overview (`SwarmWatch`) and a member's tab (`SwarmSession`); the headless peer keeps its own.
 */
export class SeederWait {
  readonly #waitMs: number;
  #awaited = $state(false);
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(waitMs = SEEDER_RETURN_WAIT_MS) {
    this.#waitMs = waitMs;
  }

  get awaited(): boolean {
    return this.#awaited;
  }

  /** The connection dropped: the seeder is awaited until a table shows it, however long the drop lasts. */
  lost(): void {
    clearTimeout(this.#timer);
    this.#awaited = true;
  }

  /** The connection is back (`progress`: the table heard then, if any): `waitMs` more, unless a table shows it. */
  back(progress?: SwarmProgress): void {
    clearTimeout(this.#timer);
    if (progress && hasSeeder(progress)) return this.#over();
    this.#awaited = true;
    this.#timer = setTimeout(() => (this.#awaited = false), this.#waitMs);
  }

  /** A table: one showing the seeder ends the wait. */
  seen(progress: SwarmProgress): void {
    if (hasSeeder(progress)) this.#over();
  }

  /** No more waiting (the place could not be taken back; the screen closes). */
  end(): void {
    this.#over();
  }

  #over(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#awaited = false;
  }
}
