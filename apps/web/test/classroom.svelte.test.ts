import { parseDisplayName, type CodeResolved, type SignallingResult } from '@swarmlab/protocol';
import { encode } from 'uqr';
import { flushSync } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { copyFallbackMessage, copyText } from '../src/lib/copy-text';
import { defaultPeerName, peerNameOf, shownPeerNameParts, shownPeerNames } from '../src/lib/peer-name';
import { drawQrCode, QR_QUIET_MODULES } from '../src/lib/qr-code';
import { CodeJoin } from '../src/lib/state/code-join.svelte';
import { DisplayNameSetting } from '../src/lib/state/display-name.svelte';
import { AppController, PEER_SETTINGS_TWICE } from '../src/lib/state/app-controller.svelte';
import { RunHistory } from '../src/lib/state/run-history.svelte';
import { CONTENT_A, FakeSession, FakeWatch, FakeWindow, memoryStorage, SWARM_A } from './fakes';

describe('default peer names', () => {
  it('are readable, and the same for a peer id on every screen', () => {
    const name = defaultPeerName('pQ3xK9aZ0b1c');
    expect(name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(defaultPeerName('pQ3xK9aZ0b1c')).toBe(name);
  });

  it('differ between the peers of a classroom, mostly', () => {
    const ids = Array.from({ length: 40 }, (_, index) => `peer${index}x${index * 7919}`);
    expect(new Set(ids.map(defaultPeerName)).size).toBeGreaterThanOrEqual(36);
  });

  it('are told apart by the short peer id where two peers of a swarm share one, made up or chosen', () => {
    // Two real peer ids whose made-up names are the same (found by review: in 46 % of 40-peer classes).
    const [a, b] = ['xuvIChK8WnRy', 'uGXA-PogVHgi'];
    expect(defaultPeerName(a)).toBe(defaultPeerName(b));
    const shown = shownPeerNames([
      { peerId: a, name: null },
      { peerId: b, name: null },
      { peerId: 'alex1', name: 'Alex' },
      { peerId: 'alex2', name: 'alex' },
      { peerId: 'zoe', name: 'Zoë' },
    ]);
    expect(shown.get(a)).toBe(`${defaultPeerName(a)} ·xuvICh`);
    expect(shown.get(b)).toBe(`${defaultPeerName(b)} ·uGXA-P`);
    expect([shown.get('alex1'), shown.get('alex2')]).toEqual(['Alex ·alex1', 'alex ·alex2']);
    expect(shown.get('zoe')).toBe('Zoë');
    // Apart, for a card that cuts a long name short and never the suffix.
    expect(
      shownPeerNameParts([
        { peerId: a, name: null },
        { peerId: b, name: null },
      ]).get(a),
    ).toEqual({
      name: defaultPeerName(a),
      suffix: ' ·xuvICh',
    });
  });

  it('are told apart where they only look the same: a look-alike letter, a zero-width space, full-width letters', () => {
    const shown = shownPeerNames([
      { peerId: 'alice1', name: 'Alice' },
      { peerId: 'alice2', name: '\u0410lice' }, // a Cyrillic А
      { peerId: 'alice3', name: 'Alice\u200B' },
      { peerId: 'alice4', name: 'ＡＬＩＣＥ' },
      { peerId: 'bob', name: 'Bob' },
      { peerId: 'dima', name: 'Дима' },
    ]);
    // Before, none had a short id: four cards and chart lines every screen read as the same student's.
    expect(
      ['alice1', 'alice2', 'alice3', 'alice4'].map((peerId) => shown.get(peerId)!.endsWith(` ·${peerId}`)),
    ).toEqual([true, true, true, true]);
    expect(shown.get('bob')).toBe('Bob');
    expect(shown.get('dima')).toBe('Дима');
  });

  it('tag both Anns: no name can wear another Ann’s short id (found by review)', () => {
    // Before, "Ann ·xuvICh" was no namesake of the real Ann's: she got no short id, the impostor carried hers.
    expect(parseDisplayName('Ann ·xuvICh')).toMatchObject({ ok: false });
    expect(parseDisplayName('Bob (left)')).toMatchObject({ ok: false });
    const shown = shownPeerNameParts([
      { peerId: 'xuvIChK8WnRy', name: 'Ann' },
      { peerId: 'uGXA-PogVHgi', name: 'Ann' },
    ]);
    expect([...shown.values()]).toEqual([
      { name: 'Ann', suffix: ' ·xuvICh' },
      { name: 'Ann', suffix: ' ·uGXA-P' },
    ]);
  });

  it('give way to the name a peer chose', () => {
    expect(peerNameOf({ peerId: 'abc', name: '<b>Ada</b>' })).toBe('<b>Ada</b>');
    expect(peerNameOf({ peerId: 'abc', name: null })).toBe(defaultPeerName('abc'));
    expect(peerNameOf({ peerId: 'abc' })).toBe(defaultPeerName('abc'));
  });
});

describe('copying a link', () => {
  it('says copied only when the clipboard took the text', async () => {
    const writeText = vi.fn(async () => undefined);
    expect(await copyText('http://10.0.0.5:8080/#/swarm/x', { writeText })).toBe('copied');
    expect(writeText).toHaveBeenCalledWith('http://10.0.0.5:8080/#/swarm/x');
  });

  it('copies the selection the old way without a clipboard (plain http on a LAN), or when the clipboard refused', async () => {
    const copySelection = vi.fn(() => true);
    // Before, a page without a clipboard API never copied: the button only selected the link.
    expect(await copyText('link', undefined, copySelection)).toBe('copied');
    expect(copySelection).toHaveBeenCalledTimes(1);
    // In the click itself: called before the copy's promise is returned (no await stands before it).
    const inTheClick = vi.fn(() => true);
    void copyText('link', undefined, inTheClick);
    expect(inTheClick).toHaveBeenCalledTimes(1);
    const refusing = { writeText: async () => Promise.reject(new DOMException('denied', 'NotAllowedError')) };
    expect(await copyText('link', refusing, () => true)).toBe('copied');
    expect(await copyText('link', undefined, () => false)).toBe('unavailable');
    expect(await copyText('link', refusing, () => false)).toBe('refused');
  });

  it('tells a page without a clipboard (plain http on a LAN) from a refusal, and offers the hand copy', async () => {
    expect(await copyText('link', undefined)).toBe('unavailable');
    const refusing = { writeText: async () => Promise.reject(new DOMException('denied', 'NotAllowedError')) };
    expect(await copyText('link', refusing)).toBe('refused');
    expect(copyFallbackMessage('unavailable')).toMatch(/not a secure context.*selected/);
    expect(copyFallbackMessage('refused')).toMatch(/did not let this page copy.*selected/);
  });
});

describe('QR codes', () => {
  const link = `http://192.168.1.10:8080/#/swarm/${SWARM_A}/${CONTENT_A}`;

  it('draw every dark module of uqr’s code, and nothing else', () => {
    const drawing = drawQrCode(link);
    const { data, size } = encode(link, { ecc: 'M', border: QR_QUIET_MODULES });
    expect(drawing.size).toBe(size);
    const squares = drawing.path.match(/M\d+ \d+h1v1h-1z/g) ?? [];
    expect(squares.join('')).toBe(drawing.path);
    expect(squares).toHaveLength(data.flat().filter(Boolean).length);
    // Version 8 at most (49 modules and the quiet zone) for a share link: big modules on a phone screen.
    expect(size).toBeLessThanOrEqual(49 + 2 * QR_QUIET_MODULES);
  });

  it('carry nothing of the text into the drawing but module positions', () => {
    const { path } = drawQrCode('"><script>alert(1)</script>');
    expect(path).toMatch(/^[Mhvz\d -]+$/);
  });
});

describe('join with a code', () => {
  function setUp(answer: SignallingResult<CodeResolved>) {
    const resolve = vi.fn(async (_code: string) => answer);
    const opened: CodeResolved[] = [];
    const followed: string[] = [];
    const codeJoin = new CodeJoin({
      resolve,
      onResolved: (swarm) => opened.push(swarm),
      origin: ORIGIN,
      onLink: (hash) => followed.push(hash),
    });
    return { resolve, opened, followed, codeJoin };
  }
  const ORIGIN = 'http://192.168.1.10:8080';

  it('follows a link of this server pasted instead of a code: it was cut short and read as a code with an L', async () => {
    const { resolve, followed, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    const links = [
      `${ORIGIN}/#/swarm/${SWARM_A}/${CONTENT_A}`,
      ` ${ORIGIN}/#/swarm/${SWARM_A}/${CONTENT_A}?up=500kB/s `,
      `${ORIGIN}/#/watch/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}`,
      // Without its scheme, as some chats show a link; or its path alone.
      `192.168.1.10:8080/#/swarm/${SWARM_A}/${CONTENT_A}`,
      `/#/swarm/${SWARM_A}/${CONTENT_A}`,
      // A peer's own link, its settings before the hash (a teacher's per-student links): they were dropped.
      `${ORIGIN}/?up=500kB/s&mode=p2p&leave=1#/swarm/${SWARM_A}/${CONTENT_A}`,
    ];
    for (const link of links) await codeJoin.submit(link);
    expect(followed).toEqual([
      `#/swarm/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}?up=500kB/s`,
      `#/watch/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}`,
      `#/swarm/${SWARM_A}/${CONTENT_A}?up=500kB/s&leave=1`,
    ]);
    expect(codeJoin.message).toBeUndefined();
    expect(resolve).not.toHaveBeenCalled();
  });

  it('says a refusal anew when the next code is refused the same way: the page looked as if it ignored it', async () => {
    const { codeJoin } = setUp({ ok: false, error: { code: 'code-not-found', message: 'no swarm' } });
    const seen: (string | undefined)[] = [];
    const stop = $effect.root(() => {
      $effect(() => {
        seen.push(codeJoin.message);
      });
    });
    flushSync();
    // A student corrects an O to a 0, as wrong: both are told the same sentence.
    await codeJoin.submit('K7M-Q3O');
    flushSync();
    await codeJoin.submit('K7M-Q30');
    flushSync();
    // Found by the server, refused twice alike too.
    await codeJoin.submit('K7M-Q3P');
    flushSync();
    await codeJoin.submit('K7M-Q3P');
    flushSync();
    stop();
    const refused = seen.filter((message) => message !== undefined);
    expect(refused).toHaveLength(4);
    expect(new Set(refused).size).toBe(2);
    // Each refusal was put in after an empty moment: an alert is read as it is inserted.
    expect(seen.map((message) => message === undefined)).toEqual([true, false, true, false, true, false, true, false]);
  });

  it('says why a pasted link cannot be followed: another server, a damaged link, no swarm in it', async () => {
    const { resolve, followed, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    const said = async (typed: string) => {
      await codeJoin.submit(typed);
      return codeJoin.message;
    };
    expect(await said(`http://10.0.0.7:8080/#/swarm/${SWARM_A}/${CONTENT_A}`)).toBe(
      'This link is for another server (10.0.0.7:8080): open it in the address bar.',
    );
    expect(await said(`${ORIGIN}/#/swarm/${SWARM_A}/${CONTENT_A.slice(0, 20)}`)).toMatch(/content id is missing/);
    // Without its scheme: another server's was taken for a path on this one, `localhost:` for a scheme.
    expect(await said(`10.0.0.7:8080/#/swarm/${SWARM_A}/${CONTENT_A}`)).toBe(
      'This link is for another server (10.0.0.7:8080): open it in the address bar.',
    );
    expect(await said(`localhost:8080/#/swarm/${SWARM_A}/${CONTENT_A}`)).toBe(
      'This link is for another server (localhost:8080): open it in the address bar.',
    );
    expect(await said(`http://[192.168.1.10]:8080/#/swarm/${SWARM_A}/${CONTENT_A}`)).toMatch(/is not one/);
    expect(await said(`ftp://192.168.1.10:8080/#/swarm/${SWARM_A}/${CONTENT_A}`)).toMatch(/is not one/);
    expect(await said(`${ORIGIN}/?mode=p2p#/`)).toMatch(/names no swarm/);
    // A peer's own link whose settings cannot be read, or are given twice: said in the box, as the link would say.
    expect(await said(`${ORIGIN}/?up=fast#/swarm/${SWARM_A}/${CONTENT_A}`)).toMatch(/up \(this peer’s upload\)/);
    expect(await said(`${ORIGIN}/?up=1MB/s#/swarm/${SWARM_A}/${CONTENT_A}?down=2MB/s`)).toBe(PEER_SETTINGS_TWICE);
    expect(followed).toEqual([]);
    expect(resolve).not.toHaveBeenCalled();
  });

  it('follows the share link a page at localhost shows, at the server’s network address: it was “another server”', async () => {
    const followed: string[] = [];
    const codeJoin = new CodeJoin({
      resolve: vi.fn(),
      onResolved: () => {},
      origin: 'http://localhost:8080',
      serverOrigins: () => [ORIGIN],
      onLink: (hash) => followed.push(hash),
    });
    await codeJoin.submit(`${ORIGIN}/#/swarm/${SWARM_A}/${CONTENT_A}`);
    expect(codeJoin.message).toBeUndefined();
    expect(followed).toEqual([`#/swarm/${SWARM_A}/${CONTENT_A}`]);
    // Another machine's still is another server's.
    await codeJoin.submit(`http://10.0.0.7:8080/#/swarm/${SWARM_A}/${CONTENT_A}`);
    expect(codeJoin.message).toBe('This link is for another server (10.0.0.7:8080): open it in the address bar.');
  });

  it('gives a link without its scheme the page’s: on an https page it was taken for another server', async () => {
    const followed: string[] = [];
    const codeJoin = new CodeJoin({
      resolve: vi.fn(),
      onResolved: () => {},
      origin: 'https://swarm.school.example',
      onLink: (hash) => followed.push(hash),
    });
    await codeJoin.submit(`swarm.school.example/#/swarm/${SWARM_A}/${CONTENT_A}`);
    expect(codeJoin.message).toBeUndefined();
    expect(followed).toEqual([`#/swarm/${SWARM_A}/${CONTENT_A}`]);
  });

  it('asks the server for the canonical code and opens the swarm it names', async () => {
    const { resolve, opened, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    await codeJoin.submit(' k7m-q3p ');
    expect(resolve).toHaveBeenCalledWith('K7MQ3P');
    expect(opened).toEqual([{ swarmId: SWARM_A, contentId: CONTENT_A }]);
    expect(codeJoin.message).toBeUndefined();
    expect(codeJoin.pending).toBe(false);
  });

  it('opens nothing when the user started seeding while the lookup was under way', async () => {
    const { opened, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    const submitted = codeJoin.submit('K7MQ3P');
    expect(codeJoin.pending).toBe(true);
    codeJoin.cancel();
    await submitted;
    expect(opened).toEqual([]);
    expect(codeJoin.pending).toBe(false);
  });

  it('says what is wrong with a code without asking the server', async () => {
    const { resolve, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    await codeJoin.submit('K7MQ30');
    expect(codeJoin.message).toMatch(/never contain 0, O, 1, I or L/);
    await codeJoin.submit('K7M');
    expect(codeJoin.message).toMatch(/6 characters/);
    expect(resolve).not.toHaveBeenCalled();
    // The user moved on (scanned the QR code instead): the start page, shown again later, says nothing of it.
    codeJoin.cancel();
    expect(codeJoin.message).toBeUndefined();
  });

  it('says nothing of a refusal said again once the user moved on while it was being said anew', async () => {
    const { resolve, codeJoin } = setUp({ ok: true, swarmId: SWARM_A, contentId: CONTENT_A });
    await codeJoin.submit('K7M');
    // The same refusal again: taken away for a tick, to be put back.
    const saying = codeJoin.submit('K7M');
    // Meanwhile the user scanned the QR code instead.
    codeJoin.cancel();
    await saying;
    // Before, the refusal came back after the tick, beside the swarm the user had opened.
    expect(codeJoin.message).toBeUndefined();
    expect(resolve).not.toHaveBeenCalled();
  });

  it('shows the server’s refusal: an ended swarm, too many wrong codes', async () => {
    const notFound = setUp({ ok: false, error: { code: 'code-not-found', message: 'No swarm has this code.' } });
    await notFound.codeJoin.submit('K7MQ3P');
    expect(notFound.codeJoin.message).toBe('No swarm has this code.');
    expect(notFound.opened).toEqual([]);
    const limited = setUp({ ok: false, error: { code: 'too-many-code-lookups', message: 'Wait a minute.' } });
    await limited.codeJoin.submit('K7MQ3P');
    expect(limited.codeJoin.message).toBe('Wait a minute.');
  });

  it('opens the swarm’s link in the app, dropping the start page’s settings', () => {
    const window = new FakeWindow('/?mode=client-server');
    const sessions: FakeSession[] = [];
    const app = new AppController({
      window,
      history: new RunHistory(memoryStorage()),
      createSession: (onBroadcast) => {
        const session = new FakeSession(onBroadcast);
        sessions.push(session);
        return session;
      },
      createWatch: (swarmId, onBroadcast, control) => new FakeWatch(swarmId, onBroadcast, control),
    });
    app.start();
    app.openSwarm(SWARM_A, CONTENT_A);
    expect(window.urls.at(-1)).toBe(`/#/swarm/${SWARM_A}/${CONTENT_A}`);
    expect(sessions.map((session) => session.joined)).toEqual([
      { swarmId: SWARM_A, contentId: CONTENT_A, override: {}, control: undefined },
    ]);
    app.stop();
  });
});

describe('the display name setting', () => {
  it('keeps a name for the tab over a reload, and forgets it', () => {
    const storage = memoryStorage();
    const setting = new DisplayNameSetting(storage);
    expect(setting.name).toBeUndefined();
    setting.set('Ada');
    expect(new DisplayNameSetting(storage).name).toBe('Ada');
    setting.set(undefined);
    expect(new DisplayNameSetting(storage).name).toBeUndefined();
  });

  it('keeps a name the server took, and not one it refused', async () => {
    const storage = memoryStorage();
    const setting = new DisplayNameSetting(storage);
    const sent: (string | undefined)[] = [];
    expect(await setting.save('Ada', async (name) => void sent.push(name))).toBeUndefined();
    expect(new DisplayNameSetting(storage).name).toBe('Ada');
    const refusal = 'Too many requests: try again in a few seconds.';
    expect(
      await setting.save('Grace', async (name) => {
        sent.push(name);
        return refusal;
      }),
    ).toBe(refusal);
    // Before, "Grace" was kept (and sent again on the next swarm) while every other screen showed "Ada".
    expect(setting.name).toBe('Ada');
    expect(new DisplayNameSetting(storage).name).toBe('Ada');
    expect(sent).toEqual(['Ada', 'Grace']);
  });

  it('ignores a stored value that is not a name', () => {
    const storage = memoryStorage();
    storage.setItem('swarmlab.displayName', 'bad\u0000name');
    expect(new DisplayNameSetting(storage).name).toBeUndefined();
  });
});
