/** A minimal typed event emitter: listeners are checked against the event map at compile time. */
export class TypedEvents<Events extends { [K in keyof Events]: (event: never) => void }> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof Events>(name: K, listener: Events[K]): () => void {
    let set = this.#listeners.get(name);
    if (!set) this.#listeners.set(name, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<K extends keyof Events>(name: K, event: Parameters<Events[K]>[0]): void {
    for (const listener of this.#listeners.get(name) ?? [])
      (listener as (event: Parameters<Events[K]>[0]) => void)(event);
  }
}
