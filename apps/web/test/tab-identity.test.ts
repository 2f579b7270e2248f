import { afterEach, describe, expect, it } from 'vitest';
import { TabIdentity, type TabChannel } from '../src/lib/storage/tab-id';
import { memoryStorage } from './fakes';

/** Each test's tabs talk on a channel of their own (Node's BroadcastChannel, as a browser's). */
let channels: BroadcastChannel[] = [];
let round = 0;
afterEach(() => {
  for (const channel of channels) channel.close();
  channels = [];
  round++;
});
function channel(): TabChannel {
  const opened = new BroadcastChannel(`tab-ids-test-${round}`);
  channels.push(opened);
  return opened as unknown as TabChannel;
}

/** What the browser's "Duplicate tab" does: a new page with a copy of the original's sessionStorage. */
function duplicate(storage: Storage): Storage {
  const copy = memoryStorage();
  for (let i = 0; i < storage.length; i++) copy.setItem(storage.key(i)!, storage.getItem(storage.key(i)!)!);
  return copy;
}

describe('TabIdentity', () => {
  it('keeps a tab’s id over a reload: nobody else holds it', async () => {
    const storage = memoryStorage();
    const first = await new TabIdentity(storage, channel()).id();
    // The reloaded page: the same sessionStorage, the old page gone.
    channels[0]!.close();
    expect(await new TabIdentity(storage, channel()).id()).toBe(first);
  });

  it('gives a duplicated tab an id of its own, and leaves the original’s alone', async () => {
    const original = memoryStorage();
    const originalTab = new TabIdentity(original, channel());
    const id = await originalTab.id();
    const copy = duplicate(original);
    const copied = await new TabIdentity(copy, channel()).id();
    expect(copied).not.toBe(id);
    expect(copy.getItem('swarmlab-tab-id')).toBe(copied);
    // The original still answers for its own id, and keeps it.
    expect(await originalTab.id()).toBe(id);
    expect(original.getItem('swarmlab-tab-id')).toBe(id);
    expect(await new TabIdentity(duplicate(copy), channel()).id()).not.toBe(copied);
  });

  it('two copies asking for one id at the same moment end with two ids', async () => {
    const original = memoryStorage();
    original.setItem('swarmlab-tab-id', '00aa00aa00aa00aa');
    const ids = await Promise.all(
      [duplicate(original), duplicate(original)].map((copy) => new TabIdentity(copy, channel()).id()),
    );
    expect(new Set(ids).size).toBe(2);
    expect(ids).toContain('00aa00aa00aa00aa');
  });

  it('a tab that has not taken its id yet answers for nothing', async () => {
    const original = memoryStorage();
    await new TabIdentity(original, channel()).id();
    channels[0]!.close(); // the original reloads...
    const idle = new TabIdentity(duplicate(original), channel()); // ...while a copy of it sits on the start page
    const reloaded = await new TabIdentity(original, channel()).id();
    expect(reloaded).toBe(original.getItem('swarmlab-tab-id'));
    expect(await idle.id()).not.toBe(reloaded);
  });
});
