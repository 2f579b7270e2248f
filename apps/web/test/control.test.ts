import { describe, expect, it } from 'vitest';
import {
  CONTROL_REFUSED,
  IN_CONTROL,
  MEMBER_WITHOUT_CONTROL,
  peerLinksEditable,
  runControlsShown,
  seedHereOffer,
  WATCHER_WITHOUT_CONTROL,
} from '../src/lib/control';
import { controlLink, parseRoute, shareLink, watchLink } from '../src/lib/route';
import { ControlSecrets } from '../src/lib/state/control-secrets';
import { CONTENT_A, memoryStorage, SWARM_A, SWARM_B } from './fakes';

const SECRET = 'S3cr3t_-S3cr3t_-S3cr3t';
const ORIGIN = 'http://192.168.1.10:8080';

describe('the control link', () => {
  it('is the overview link with the control secret as one more segment of the fragment', () => {
    const link = controlLink(ORIGIN, SWARM_A, CONTENT_A, SECRET);
    expect(link).toBe(`${watchLink(ORIGIN, SWARM_A, CONTENT_A)}/${SECRET}`);
    const hash = new URL(link).hash;
    expect(new URL(link).pathname + new URL(link).search).toBe('/'); // nothing but the fragment carries it
    expect(parseRoute(hash)).toEqual({ view: 'watch', swarmId: SWARM_A, contentId: CONTENT_A, control: SECRET });
  });

  it('parses a plain watch link as one without control, and a swarm link ignores further segments', () => {
    expect(parseRoute(new URL(watchLink(ORIGIN, SWARM_A, CONTENT_A)).hash)).toEqual({
      view: 'watch',
      swarmId: SWARM_A,
      contentId: CONTENT_A,
    });
    expect(parseRoute(`${new URL(watchLink(ORIGIN, SWARM_A, CONTENT_A)).hash}/`)).toEqual({
      view: 'watch',
      swarmId: SWARM_A,
      contentId: CONTENT_A,
    });
    expect(parseRoute(`${new URL(shareLink(ORIGIN, SWARM_A, CONTENT_A)).hash}/${SECRET}`)).toEqual({
      view: 'swarm',
      swarmId: SWARM_A,
      contentId: CONTENT_A,
    });
  });

  it('is a bad link when its control key is damaged', () => {
    for (const damaged of ['short', `${SECRET}x`, `${SECRET.slice(0, 21)}+`]) {
      expect(parseRoute(`#/watch/${SWARM_A}/${CONTENT_A}/${damaged}`), damaged).toEqual({
        view: 'bad-link',
        reason: 'This control link is malformed: its control key is damaged.',
      });
    }
  });
});

describe('ControlSecrets', () => {
  it('keeps a secret per swarm in the tab’s storage, so a new page of the tab (a reload) finds it', () => {
    const storage = memoryStorage();
    new ControlSecrets(storage).keep(SWARM_A, SECRET);
    const reloaded = new ControlSecrets(storage);
    expect(reloaded.get(SWARM_A)).toBe(SECRET);
    expect(reloaded.get(SWARM_B)).toBeUndefined();
  });

  it('ignores what is not a secret, and keeps control in memory when the storage throws', () => {
    const storage = memoryStorage();
    storage.setItem(`swarmlab.control.${SWARM_B}`, 'not a secret');
    expect(new ControlSecrets(storage).get(SWARM_B)).toBeUndefined();
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const secrets = new ControlSecrets(broken);
    expect(secrets.get(SWARM_A)).toBeUndefined();
    secrets.keep(SWARM_A, SECRET);
    expect(secrets.get(SWARM_A)).toBe(SECRET);
    expect(new ControlSecrets().get(SWARM_A)).toBeUndefined();
  });
});

describe('what the run panels show', () => {
  it('shows the run form only in control, with a one-line reason otherwise', () => {
    expect(runControlsShown(IN_CONTROL)).toBe(true);
    for (const control of [MEMBER_WITHOUT_CONTROL, WATCHER_WITHOUT_CONTROL, CONTROL_REFUSED]) {
      expect(runControlsShown(control)).toBe(false);
      expect(control.held ? '' : control.reason).toMatch(/^[^\n]+\.$/);
    }
  });

  it('lets every peer’s links be set in control, and otherwise only this tab’s own', () => {
    expect(peerLinksEditable(IN_CONTROL, undefined, 'other')).toBe(true);
    expect(peerLinksEditable(MEMBER_WITHOUT_CONTROL, 'me', 'me')).toBe(true);
    // Not those the controller set for it.
    expect(peerLinksEditable(MEMBER_WITHOUT_CONTROL, 'me', 'me', true)).toBe(false);
    expect(peerLinksEditable(IN_CONTROL, 'me', 'me', true)).toBe(true);
    expect(peerLinksEditable(MEMBER_WITHOUT_CONTROL, 'me', 'other')).toBe(false);
    expect(peerLinksEditable(WATCHER_WITHOUT_CONTROL, undefined, 'other')).toBe(false);
  });
});

describe('seeding a seederless swarm from an overview screen', () => {
  it('is offered to a screen in control whose page can make WebRTC connections', () => {
    expect(seedHereOffer(IN_CONTROL, true)).toBe('offered');
  });

  it('is explained, not offered, to a screen in control whose page cannot (it would fail at once, and again)', () => {
    expect(seedHereOffer(IN_CONTROL, false)).toBe('no-webrtc');
  });

  it('is nothing of its own to a screen without control, WebRTC or not', () => {
    for (const control of [WATCHER_WITHOUT_CONTROL, CONTROL_REFUSED, MEMBER_WITHOUT_CONTROL]) {
      expect(seedHereOffer(control, true)).toBe('not-held');
      expect(seedHereOffer(control, false)).toBe('not-held');
    }
  });
});
