import { describe, expect, it } from 'vitest';
import {
  CHANNEL_TAG,
  decodeRunControl,
  decodeWireMessage,
  encodeRunControl,
  RUN_CONTROL_TAG,
  WIRE_TAG,
  type ChannelMessageKind,
} from '../src/index';

const ROWS = Object.entries(CHANNEL_TAG) as [ChannelMessageKind, number][];

describe('first-byte tags of a data channel (CHANNEL_TAG)', () => {
  it('gives no two kinds of message the same tag', () => {
    const kindsByTag = new Map<number, ChannelMessageKind[]>();
    for (const [kind, tag] of ROWS) kindsByTag.set(tag, [...(kindsByTag.get(tag) ?? []), kind]);
    const shared = [...kindsByTag.entries()].filter(([, kinds]) => kinds.length > 1);
    expect(shared).toEqual([]);
  });

  it('holds one byte per kind', () => {
    for (const [kind, tag] of ROWS) {
      expect(Number.isInteger(tag), kind).toBe(true);
      expect(tag, kind).toBeGreaterThanOrEqual(0);
      expect(tag, kind).toBeLessThanOrEqual(0xff);
    }
  });

  it('is where the wire codec and run control take their tags from, and nothing else is', () => {
    expect({ ...WIRE_TAG, 'run-control': RUN_CONTROL_TAG }).toEqual(CHANNEL_TAG);
    expect(Object.values(WIRE_TAG)).not.toContain(RUN_CONTROL_TAG);
  });

  it('lets each reader refuse the other’s messages by their first byte', () => {
    const runControl = encodeRunControl({ kind: 'begin', runNumber: 1 });
    expect(decodeWireMessage(runControl)).toMatchObject({ ok: false, error: { code: 'unknown-tag' } });
    for (const tag of Object.values(WIRE_TAG)) {
      const wireLike = Uint8Array.of(tag, 1, 0, 0, 0, 1);
      expect(decodeRunControl(wireLike)).toMatchObject({ ok: false, error: { code: 'not-run-control' } });
    }
  });
});
