/**
 * A chart's samples of a whole run in bounded room. Once it holds more than `maxPoints`, every other point goes and
 * from then on every other sample is kept: the resolution halves each time the run doubles, and a long run's chart
 * still shows its start (dropping the oldest, a 20-minute run's chart began at minute 10).
 */
export class ThinnedSeries<T> {
  readonly #maxPoints: number;
  #points: readonly T[] = [];
  /** One sample in this many is kept. */
  #stride = 1;
  /** Samples offered since the last one kept. */
  #offeredSinceKept = 0;

  constructor(maxPoints: number) {
    if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new RangeError(`maxPoints must be ≥ 2, not ${maxPoints}`);
    this.#maxPoints = maxPoints;
  }

  /** The points kept, oldest first: a new array after each change (a reactive holder sees it change). */
  get points(): readonly T[] {
    return this.#points;
  }

  /** Offers a sample; `always`: kept whatever the stride (a run's last instant). Whether it was kept. */
  add(point: T, always = false): boolean {
    this.#offeredSinceKept++;
    if (!always && this.#offeredSinceKept < this.#stride) return false;
    this.#offeredSinceKept = 0;
    const next = [...this.#points, point];
    if (next.length <= this.#maxPoints) {
      this.#points = next;
      return true;
    }
    // Even places, and the newest: the series still ends at the latest sample.
    this.#points = next.filter((_, index) => index % 2 === 0 || index === next.length - 1);
    this.#stride *= 2;
    return true;
  }

  /** Forgets every point (a new run). */
  clear(): void {
    this.#points = [];
    this.#stride = 1;
    this.#offeredSinceKept = 0;
  }
}
