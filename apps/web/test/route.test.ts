import { describe, expect, it } from 'vitest';
import { isPlainClick, parseRoute } from '../src/lib/route';

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
