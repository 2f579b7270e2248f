import type { SignallingError, SwarmResumed } from '@swarmlab/protocol';
import { describe, expect, it } from 'vitest';
import { signallingNotice } from '../src/lib/signalling-message';
import { userMessageOf } from '../src/lib/user-message';

const error = (code: SignallingError['code']): SignallingError => ({ code, message: `server says ${code}` });
const resumed = (fields: Partial<SwarmResumed>): SwarmResumed => fields as SwarmResumed;

describe('what a peer’s page says of its signalling connection', () => {
  it('says nothing while it was never lost, and counts its attempts once lost', () => {
    expect(signallingNotice(undefined)).toBeUndefined();
    expect(signallingNotice({ state: 'lost', attempt: 0 })?.text).toBe(
      'Signalling server lost: transfers go on; reconnecting…',
    );
    // The count is shown apart from the sentence a screen reader announces, which stays the same through an outage.
    expect(signallingNotice({ state: 'lost', attempt: 3 })).toEqual({
      tone: 'pending',
      text: 'Signalling server lost: transfers go on; reconnecting…',
      attempt: 3,
    });
  });

  it.each([
    ['timeout', 'it is slow to answer'],
    ['rate-limited', 'it is busy'],
    ['internal-error', 'it failed for a moment'],
    ['swarm-full', 'it refused for a moment'],
  ] as const)('says why it asks again after %s, without telling the user to act', (code, reason) => {
    const notice = signallingNotice({ state: 'rejoining', retrying: error(code) });
    expect(notice).toMatchObject({ tone: 'pending', text: expect.stringContaining(reason) });
    // The user messages of these codes ask the user to act (slow down, check the server) while the page does.
    expect(notice?.text).not.toContain(userMessageOf(error(code)));
    expect(notice?.text).not.toMatch(/slow down|Check that it is running|try again\./);
  });

  it('says what came back, and what failed in a sentence of its own', () => {
    expect(signallingNotice({ state: 'rejoining' })?.text).toContain('taking this tab’s place in the swarm again');
    expect(signallingNotice({ state: 'back', resumed: resumed({ registeredAgain: true }) })?.text).toContain(
      'registered again under the same link',
    );
    expect(
      signallingNotice({ state: 'back', resumed: resumed({ registeredAgain: false, placeKept: true }) })?.text,
    ).toBe('Reconnected to the signalling server: nothing was lost.');
    const failed = signallingNotice({ state: 'failed', error: error('swarm-not-found') });
    expect(failed?.tone).toBe('error');
    expect(failed?.text).toBe(
      `This tab could not take its place in the swarm back. ${userMessageOf(error('swarm-not-found'))} Transfers with the peers already connected go on.`,
    );
  });
});
