import { describe, expect, it } from 'vitest';
import { isPlainClick, parseRoute, pastedLink } from '../src/lib/route';

const SWARM = 'AbCdEfGhIjKlMnOpQrStUv';
const CONTENT = 'a'.repeat(64);

describe('parseRoute', () => {
  it('reads a swarm link, with the peer settings appended after its hash', () => {
    expect(parseRoute(`#/swarm/${SWARM}/${CONTENT}`)).toEqual({ view: 'swarm', swarmId: SWARM, contentId: CONTENT });
    for (const appended of ['?up=500kB/s', '&up=500kB/s', '/?up=500kB/s'])
      expect(parseRoute(`#/swarm/${SWARM}/${CONTENT}${appended}`)).toEqual({
        view: 'swarm',
        swarmId: SWARM,
        contentId: CONTENT,
        settings: 'up=500kB/s',
      });
  });

  it('reads a control link, whatever follows it, and refuses a damaged id', () => {
    const secret = 'S3cr3t_-S3cr3t_-S3cr3t';
    expect(parseRoute(`#/watch/${SWARM}/${CONTENT}/${secret}?x=1`)).toEqual({
      view: 'watch',
      swarmId: SWARM,
      contentId: CONTENT,
      control: secret,
    });
    expect(parseRoute(`#/swarm/${SWARM}/${CONTENT.slice(1)}`)).toMatchObject({ view: 'bad-link' });
    expect(parseRoute(`#/swarm/short/${CONTENT}`)).toMatchObject({ view: 'bad-link' });
  });
});

describe('pastedLink', () => {
  const ORIGIN = 'http://10.0.0.7:8080';
  const LINK = `${ORIGIN}/#/swarm/${SWARM}/${CONTENT}`;
  const followed = { ok: true, hash: `#/swarm/${SWARM}/${CONTENT}` };

  it('follows a link that lost its #, as the address bar does, keeping the peer settings before it', () => {
    expect(pastedLink(`${ORIGIN}/%23/swarm/${SWARM}/${CONTENT}`, ORIGIN)).toEqual(followed);
    expect(pastedLink(`${ORIGIN}/swarm/${SWARM}/${CONTENT}`, ORIGIN)).toEqual(followed);
    expect(pastedLink(`${ORIGIN}/swarm/${SWARM}/${CONTENT}?up=500kB/s&utm_source=chat`, ORIGIN)).toEqual({
      ok: true,
      hash: `#/swarm/${SWARM}/${CONTENT}?up=500kB/s`,
    });
    expect(pastedLink(`${ORIGIN}/?up=500kB/s&leave=1#/swarm/${SWARM}/${CONTENT}`, ORIGIN)).toEqual({
      ok: true,
      hash: `#/swarm/${SWARM}/${CONTENT}?up=500kB/s&leave=1`,
    });
  });

  it.each([
    ['in curly quotes', `“${LINK}”`],
    ['in straight quotes', `"${LINK}"`],
    ['in brackets', `(${LINK})`],
    ['in angle brackets', `<${LINK}>`],
    ['with a full stop after it', `${LINK}.`],
    ['in brackets with a full stop after them', `(${LINK}).`],
    ['with a comma after it', `${LINK},`],
  ])('follows a link pasted %s', (_what, pasted) => {
    expect(pastedLink(pasted, ORIGIN)).toEqual(followed);
  });

  it.each([
    ['http://[::1]:8080', '[::1]:8080'],
    ['http://[fd00::5]:8080', '[fd00::5]:8080'],
    ['http://[fd00::5]:8080', '[FD00::5]:8080'],
    ['http://[::ffff:a00:7]:8080', '[::ffff:10.0.0.7]:8080'],
  ])('follows a link to %s written without its scheme, its IPv6 host bracketed, bare or wrapped', (origin, host) => {
    const link = `${host}/#/swarm/${SWARM}/${CONTENT}`;
    // Its `[` was taken for a wrapper: "This looks like a link but is not one".
    for (const pasted of [link, `(${link}).`, `[${link}]`, `“${link}”`])
      expect(pastedLink(pasted, origin)).toEqual(followed);
  });

  it('keeps the settings of a link in quotes, and says what is wrong with those after its hash', () => {
    expect(pastedLink(`“${LINK}?up=1.5MB/s”.`, ORIGIN)).toEqual({
      ok: true,
      hash: `#/swarm/${SWARM}/${CONTENT}?up=1.5MB/s`,
    });
    expect(pastedLink(`${LINK}?UP=1MB/s`, ORIGIN)).toEqual({
      ok: false,
      message: 'This link\'s settings are invalid: "UP" is not a setting: write up.',
    });
    expect(pastedLink(`${ORIGIN}/?Leave=1#/swarm/${SWARM}/${CONTENT}`, ORIGIN)).toMatchObject({
      ok: false,
      message: expect.stringContaining('write leave'),
    });
  });
});

describe('isPlainClick', () => {
  const plain = { button: 0, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false };

  it('is a main-button click with no modifier', () => {
    expect(isPlainClick(plain)).toBe(true);
  });

  it.each([
    ['Ctrl-click (a new tab)', { ctrlKey: true }],
    ['⌘-click (a new tab on a Mac)', { metaKey: true }],
    ['Shift-click (a new window)', { shiftKey: true }],
    ['Alt-click (a download)', { altKey: true }],
    ['another button', { button: 1 }],
  ])('is not a %s', (_what, change) => {
    expect(isPlainClick({ ...plain, ...change })).toBe(false);
  });
});
