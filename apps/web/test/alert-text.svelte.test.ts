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

  it('says the outcome of the latest attempt only: a refusal answered before a later success does not stay up', async () => {
    const alert = new AlertText(async () => {});
    // The teacher presses twice; the answers come in order: a refusal, then a success.
    const first = alert.attempt();
    const second = alert.attempt();
    expect(await first('The server did not answer.')).toBe(false);
    expect(await second(undefined)).toBe(true);
    expect(alert.text).toBeUndefined();
  });

  it('keeps a refusal said at once over an earlier attempt’s success answered later', async () => {
    const alert = new AlertText(async () => {});
    const saving = alert.attempt();
    // A second name, refused without asking the server, while the first is being saved.
    await alert.say('A name has at most 32 characters.');
    expect(await saving(undefined)).toBe(false);
    expect(alert.text).toBe('A name has at most 32 characters.');
    // And an attempt of its own says what it was answered, anew when the same.
    const again = alert.attempt();
    expect(await again('A name has at most 32 characters.')).toBe(true);
    expect(alert.text).toBe('A name has at most 32 characters.');
  });
});
