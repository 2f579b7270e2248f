import type { PeerLink } from '@swarmlab/engine';
import { encodeWireMessage, WIRE_TAG } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { droppedPeerMessage } from '../src/lib/dropped-peer-message';
import { corruptingLink } from '../src/lib/state/corrupting-link';
import { NO_TEST_SWITCHES, TEST_SWITCHES_BUILT_IN, testSwitchesOf } from '../src/lib/test-switches';

describe('test switches', () => {
  it('are read from the query string only by a build that has them', () => {
    expect(testSwitchesOf('?test-corrupt-blocks=0.25', true)).toEqual({
      ...NO_TEST_SWITCHES,
      corruptBlocksFraction: 0.25,
    });
    expect(testSwitchesOf('?test-corrupt-blocks=7', true)).toEqual({ ...NO_TEST_SWITCHES, corruptBlocksFraction: 1 });
    expect(testSwitchesOf('?test-resume-check-delay-ms=3000', true)).toEqual({
      ...NO_TEST_SWITCHES,
      resumeCheckDelayMs: 3000,
    });
    expect(testSwitchesOf('?test-join-check-delay-ms=2000', true)).toEqual({
      ...NO_TEST_SWITCHES,
      joinCheckDelayMs: 2000,
    });
    for (const junk of [
      '',
      '?test-corrupt-blocks=-1',
      '?test-corrupt-blocks=lots',
      '?other=1',
      '?test-resume-check-delay-ms=x',
    ]) {
      expect(testSwitchesOf(junk, true)).toEqual(NO_TEST_SWITCHES);
    }
    expect(testSwitchesOf('?test-corrupt-blocks=1', false)).toEqual(NO_TEST_SWITCHES);
    // The unit tests run without VITE_SWARMLAB_TEST_SWITCHES, like a production build.
    expect(TEST_SWITCHES_BUILT_IN).toBe(false);
    expect(testSwitchesOf('?test-corrupt-blocks=1')).toEqual(NO_TEST_SWITCHES);
  });

  it('corrupt a block the chosen fraction of the time, and nothing else', () => {
    const received: Uint8Array[] = [];
    const mine: PeerLink = {
      remotePeerId: 'b',
      bufferedBytes: 0,
      send: (bytes) => void received.push(bytes),
      attach: () => {},
      close: () => {},
    };
    const rolls = [0.1, 0.9];
    const link = corruptingLink(mine, 0.5, () => rolls.shift()!);
    const block = encodeWireMessage({
      type: 'block',
      chunkIndex: 0,
      offsetBytes: 0,
      bytes: new Uint8Array([1, 2, 3, 4]),
    });
    const have = encodeWireMessage({ type: 'have', chunkIndex: 3 });
    link.send(block); // rolled 0.1 < 0.5: corrupted
    link.send(have); // not a block: untouched, no roll
    link.send(block); // rolled 0.9: untouched
    expect(received.map((bytes) => bytes[0])).toEqual([WIRE_TAG.block, WIRE_TAG.have, WIRE_TAG.block]);
    expect(received[0]!.at(-1)).toBe(4 ^ 0xff);
    expect(received[1]).toEqual(have);
    expect(received[2]).toEqual(block);
    // The sender's own buffer is never changed.
    expect(block.at(-1)).toBe(4);
  });

  it('say in one line what a dropped peer did', () => {
    expect(droppedPeerMessage('Quiet Otter', 'bad-blocks')).toBe('peer Quiet Otter sent bad data: disconnected');
    expect(droppedPeerMessage('x', 'handshake-mismatch')).toBe('peer x offered another file: disconnected');
    expect(droppedPeerMessage('x', 'protocol-version')).toBe(
      'peer x runs another version of swarmlab (reload its page, or this one): disconnected',
    );
  });
});
