import { atGridInstant } from '../display-grid';

/**
 * Whether the page can be seen. A tab behind the front one of its window, or in a minimised window, is
 * hidden: it keeps transferring and reporting, but nothing it would draw can be seen, so the screen's
 * state (`ShownWhileVisible`) holds still until it is shown again.
 */
export interface PageVisibility {
  readonly visible: boolean;
  /** Calls `listener` each time the page is shown or hidden; returns the function that stops it. */
  onChange(listener: (visible: boolean) => void): () => void;
}

/** For a page that is always looked at (and for Node, where the unit tests run). */
export const ALWAYS_VISIBLE: PageVisibility = {
  visible: true,
  onChange: () => () => {},
};

/** The document's `visibilityState`, followed through `visibilitychange`. */
export class DocumentVisibility implements PageVisibility {
  readonly #document: Document;
  #visible = $state(true);

  constructor(document: Document) {
    this.#document = document;
    this.#visible = document.visibilityState !== 'hidden';
    document.addEventListener('visibilitychange', () => (this.#visible = document.visibilityState !== 'hidden'));
  }

  get visible(): boolean {
    return this.#visible;
  }

  onChange(listener: (visible: boolean) => void): () => void {
    const handler = (): void => listener(this.#document.visibilityState !== 'hidden');
    this.#document.addEventListener('visibilitychange', handler);
    return () => this.#document.removeEventListener('visibilitychange', handler);
  }
}

let pageVisibility: PageVisibility | undefined;

/** This page's visibility: one `DocumentVisibility` for the page, or `ALWAYS_VISIBLE` without a document. */
export function documentVisibility(): PageVisibility {
  pageVisibility ??= typeof document === 'undefined' ? ALWAYS_VISIBLE : new DocumentVisibility(document);
  return pageVisibility;
}

/**
 * A value the screen draws, published to it only while the page is visible, and at most once per
 * `minIntervalMs`. While hidden, `set` only keeps the latest value (no reactive update, so no component
 * re-renders and no canvas redraws); the moment the page is shown, the latest value is published, so the
 * screen catches up at once. Within an interval the latest value waits for its end, rounded up to the page's
 * display grid (`display-grid.ts`), so that values of several sources change in one frame.
 */
export class ShownWhileVisible<T> {
  readonly #visibility: PageVisibility;
  readonly #minIntervalMs: number;
  readonly #stop: () => void;
  #latest: T;
  #shown = $state.raw<T>() as T;
  #shownAtMs = -Infinity;
  /** Cancels the pending publication at the next display-grid instant, if any. */
  #trailing: (() => void) | undefined;

  constructor(visibility: PageVisibility, initial: T, minIntervalMs = 0) {
    this.#visibility = visibility;
    this.#minIntervalMs = minIntervalMs;
    this.#latest = initial;
    this.#shown = initial;
    this.#stop = visibility.onChange((visible) => {
      if (!visible) return;
      // Shown: the latest value at once, in place of one still waiting for its grid instant.
      this.#cancelTrailing();
      this.#publish(performance.now());
    });
  }

  /** What the screen shows: the latest value while visible, the value at the moment it was hidden otherwise. */
  get shown(): T {
    return this.#shown;
  }

  /** The latest value set, shown or not (for reports and tests, never for drawing). */
  get latest(): T {
    return this.#latest;
  }

  set(value: T): void {
    this.#latest = value;
    if (!this.#visibility.visible) return;
    // Already due at a grid instant: `latest` is what will be published then.
    if (this.#trailing) return;
    const nowMs = performance.now();
    const earliestMs = this.#shownAtMs + this.#minIntervalMs;
    if (earliestMs <= nowMs) return this.#publish(nowMs);
    // On the page's display grid, so values from other sources published meanwhile share its frame.
    this.#trailing = atGridInstant(earliestMs, this.#minIntervalMs, (dueMs) => {
      this.#trailing = undefined;
      // Counted from the instant it was due, not from when a busy page ran it: a late timer must not
      // push the next publication past the next instant.
      if (this.#visibility.visible) this.#publish(dueMs);
    });
  }

  /** Stops following the page's visibility. */
  dispose(): void {
    this.#stop();
    this.#cancelTrailing();
  }

  #cancelTrailing(): void {
    this.#trailing?.();
    this.#trailing = undefined;
  }

  #publish(atMs: number): void {
    this.#shown = this.#latest;
    this.#shownAtMs = atMs;
  }
}
