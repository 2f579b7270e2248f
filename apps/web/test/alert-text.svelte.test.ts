import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { AlertText } from '../src/lib/state/alert-text.svelte';

/** What an alert element showed, each time the page drew it. */
function watched(alert: AlertText): { seen: (string | undefined)[]; stop: () => void } {
  const seen: (string | undefined)[] = [];
  const stop = $effect.root(() => {
    $effect(() => {
      seen.push(alert.text);
    });
  });
  flushSync();
  return { seen, stop };
}

describe('an alert’s text (the start page’s refusals)', () => {
  it('is put in anew when it says what it said last: a folder dropped twice was neither redrawn nor read', async () => {
    const alert = new AlertText(async () => flushSync());
    const { seen, stop } = watched(alert);
    const folder = 'A folder cannot be seeded: pick one file (a zip of the folder, for one).';
    await alert.say(folder);
    flushSync();
    await alert.say(folder);
    flushSync();
    await alert.say('Drop a file (not text or a link).');
    flushSync();
    stop();
    // Each time after an empty moment where it said the same; another sentence replaces it at once.
    expect(seen).toEqual([undefined, folder, undefined, folder, 'Drop a file (not text or a link).']);
  });

  it('keeps the later of two sentences said at once, and says nothing once cleared', async () => {
    let settle: () => void = () => {};
    const alert = new AlertText(() => new Promise((resolve) => (settle = resolve)));
    await alert.say('empty');
    const again = alert.say('empty');
    await alert.say('too big');
    settle();
    await again;
    expect(alert.text).toBe('too big');
    alert.clear();
    expect(alert.text).toBeUndefined();
  });
});
