import { parseJoinCode, type CodeResolved, type SignallingResult } from '@swarmlab/protocol';
import { pastedLink } from '../route';
import { AlertText } from './alert-text.svelte';
import { userMessageOf } from '../user-message';

export interface CodeJoinDeps {
  /** Asks the signalling server which swarm a canonical code names. */
  readonly resolve: (code: string) => Promise<SignallingResult<CodeResolved>>;
  /** The code named this swarm: open its share link. */
  readonly onResolved: (swarm: CodeResolved) => void;
  /** This page's origin (`location.origin`): a link of its server pasted instead of a code is followed. */
  readonly origin: string;
  /** The other origins of this page's server: the network addresses it says it is reached at (`ShareOrigin`). */
  readonly serverOrigins?: () => readonly string[];
  /** Follows a link of this page's server pasted instead of a code (its hash: a swarm's, an overview's). */
  readonly onLink: (hash: string) => void;
}

/**
 * "Join with a code" on the start page: reads what the user typed (`parseJoinCode`: any case, look-alikes
 * mapped), says at once what is wrong with it, and otherwise asks the server which swarm it names. A link pasted
 * instead (`pastedLink`) is followed.
 */
export class CodeJoin {
  /**
   * Why the code led nowhere, inserted anew when it says what it said last: a student correcting a code to another just
   * as wrong saw nothing change, and a screen reader heard nothing (found by review).
   */
  readonly #message = new AlertText();
  #pending = $state(false);
  /** Counts lookups, so one the user moved on from (`cancel`) opens nothing. */
  #lookups = 0;
  readonly #deps: CodeJoinDeps;

  constructor(deps: CodeJoinDeps) {
    this.#deps = deps;
  }

  /** Why the last code did not lead to a swarm, for the user. */
  get message(): string | undefined {
    return this.#message.text;
  }

  /** A lookup is under way. */
  get pending(): boolean {
    return this.#pending;
  }

  async submit(typed: string): Promise<void> {
    if (this.#pending) return;
    const link = pastedLink(typed, this.#deps.origin, this.#deps.serverOrigins?.());
    if (link) {
      if (!link.ok) return this.#message.say(link.message);
      this.#message.clear();
      this.#deps.onLink(link.hash);
      return;
    }
    const parsed = parseJoinCode(typed);
    if (!parsed.ok) return this.#message.say(parsed.message);
    this.#message.clear();
    this.#pending = true;
    const lookup = ++this.#lookups;
    try {
      const resolved = await this.#deps.resolve(parsed.code);
      if (lookup !== this.#lookups) return;
      if (!resolved.ok) {
        await this.#message.say(userMessageOf(resolved.error));
        return;
      }
      this.#deps.onResolved({ swarmId: resolved.swarmId, contentId: resolved.contentId });
    } finally {
      if (lookup === this.#lookups) this.#pending = false;
    }
  }

  /**
   * The user did something else meanwhile (started seeding, opened a link): a lookup under way opens nothing when it
   * ends, and what was said of a refused code goes with it (the start page, shown again later, said it beside an empty
   * box; found by review).
   */
  cancel(): void {
    this.#lookups++;
    this.#pending = false;
    this.#message.clear();
  }
}
