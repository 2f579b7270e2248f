import type { PeerOverride } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { ControlLinks, type LinkedMember } from '../src/control-links';

const fast: PeerOverride = { uploadBytesPerSec: 1_000_000 };
const slow: PeerOverride = { uploadBytesPerSec: 20_000 };
const nobody = (): LinkedMember | undefined => undefined;

describe('ControlLinks', () => {
  it('gives a present member its links as the controller’s, and keeps those of one not back for its id', () => {
    const links = new ControlLinks(8);
    const a: LinkedMember = { override: { uploadBytesPerSec: 500_000 }, overrideByControl: false };
    links.takeAccount(
      [
        { peerId: 'a', override: fast },
        { peerId: 'b', override: slow },
      ],
      (peerId) => (peerId === 'a' ? a : undefined),
    );
    expect(a).toEqual({ override: fast, overrideByControl: true });
    expect(links.claim('a')).toBeUndefined();
    expect(links.claim('b')).toEqual(slow);
    // Given once.
    expect(links.claim('b')).toBeUndefined();
  });

  it('takes each member’s links from the first account only, and none once a screen in control set them', () => {
    const links = new ControlLinks(8);
    links.settle('a');
    links.takeAccount([{ peerId: 'a', override: fast }], nobody);
    expect(links.claim('a')).toBeUndefined();
    links.takeAccount([{ peerId: 'b', override: fast }], nobody);
    links.takeAccount([{ peerId: 'b', override: slow }], nobody);
    expect(links.claim('b')).toEqual(fast);
    // Set since by a screen in control: what waited is dropped.
    links.takeAccount([{ peerId: 'c', override: fast }], nobody);
    links.settle('c');
    expect(links.claim('c')).toBeUndefined();
  });

  it('ignores an empty override (the controller gave the member its links back)', () => {
    const links = new ControlLinks(8);
    links.takeAccount([{ peerId: 'a', override: {} }], nobody);
    links.takeAccount([{ peerId: 'a', override: fast }], nobody);
    expect(links.claim('a')).toEqual(fast);
  });

  it('stays within its bound, forgetting the oldest, and carries its state over', () => {
    const links = new ControlLinks(2);
    links.takeAccount(
      ['a', 'b', 'c'].map((peerId) => ({ peerId, override: fast })),
      nobody,
    );
    expect(links.state()).toEqual({
      awaited: [
        ['b', fast],
        ['c', fast],
      ],
      settled: ['b', 'c'],
    });
    const again = new ControlLinks(2, links.state());
    again.takeAccount([{ peerId: 'c', override: slow }], nobody);
    expect(again.claim('c')).toEqual(fast);
    expect(() => new ControlLinks(0)).toThrow(RangeError);
  });
});
