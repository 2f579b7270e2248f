import type { SwarmSnapshot } from '@swarmlab/engine';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { EngineDisplay } from '../src/lib/state/engine-display.svelte';
import { DocumentVisibility, ShownWhileVisible, type PageVisibility } from '../src/lib/state/page-visibility.svelte';

/** A page whose visibility the test switches, telling listeners as `visibilitychange` would. */
class SwitchedVisibility implements PageVisibility {
  visible = true;
  readonly #listeners = new Set<(visible: boolean) => void>();

  onChange(listener: (visible: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  switchTo(visible: boolean): void {
    this.visible = visible;
    for (const listener of this.#listeners) listener(visible);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}

function snapshotOf(chunksHeld: number): SwarmSnapshot {
  return { chunksHeld, uploadBytesPerSec: chunksHeld, downloadBytesPerSec: 2 * chunksHeld } as SwarmSnapshot;
}

describe('ShownWhileVisible', () => {
  it('publishes every value while visible, holds still while hidden, and catches up when shown', () => {
    const page = new SwitchedVisibility();
    const value = new ShownWhileVisible(page, 0);
    value.set(1);
    expect(value.shown).toBe(1);
    page.switchTo(false);
    value.set(2);
    value.set(3);
    expect(value.shown).toBe(1);
    expect(value.latest).toBe(3);
    page.switchTo(true);
    expect(value.shown).toBe(3);
  });

  it('re-runs no effect while hidden, and one when shown', () => {
    const page = new SwitchedVisibility();
    const value = new ShownWhileVisible(page, 0);
    const seen: number[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(value.shown);
      });
    });
    flushSync();
    page.switchTo(false);
    for (let i = 1; i <= 10; i++) {
      value.set(i);
      flushSync();
    }
    expect(seen).toEqual([0]);
    page.switchTo(true);
    flushSync();
    expect(seen).toEqual([0, 10]);
    stop();
  });

  it('stops following the page once disposed', () => {
    const page = new SwitchedVisibility();
    const value = new ShownWhileVisible(page, 0);
    expect(page.listenerCount).toBe(1);
    value.dispose();
    expect(page.listenerCount).toBe(0);
  });
});

describe('EngineDisplay in a hidden tab', () => {
  it('draws nothing while hidden, then shows the latest snapshot and every rate sample taken meanwhile', () => {
    const page = new SwitchedVisibility();
    const display = new EngineDisplay(page);
    display.show(snapshotOf(1), 0);
    page.switchTo(false);
    display.show(snapshotOf(2), 250);
    display.show(snapshotOf(3), 500);
    expect(display.snapshot?.chunksHeld).toBe(1);
    expect(display.rates.points).toHaveLength(1);
    page.switchTo(true);
    expect(display.snapshot?.chunksHeld).toBe(3);
    expect(display.rates.points.map((point) => point.atMs)).toEqual([0, 250, 500]);
  });
});

describe('DocumentVisibility', () => {
  it('follows visibilitychange on the document it is given', () => {
    let state: DocumentVisibilityState = 'visible';
    const target = new EventTarget();
    Object.defineProperty(target, 'visibilityState', { get: () => state });
    const document = target as unknown as Document;
    const visibility = new DocumentVisibility(document);
    const changes: boolean[] = [];
    const stop = visibility.onChange((visible) => changes.push(visible));
    state = 'hidden';
    target.dispatchEvent(new Event('visibilitychange'));
    expect(visibility.visible).toBe(false);
    state = 'visible';
    target.dispatchEvent(new Event('visibilitychange'));
    expect(visibility.visible).toBe(true);
    stop();
    state = 'hidden';
    target.dispatchEvent(new Event('visibilitychange'));
    expect(changes).toEqual([false, true]);
  });
});
