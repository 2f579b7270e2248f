import type { CrowdMessage } from './crowd-message';
import type { HeadlessPeerEvent } from './headless-peer-event';

/** Relays one crowd peer's events to the parent under its peer id (`crowd-worker.ts`). */
export interface CrowdEventRelay {
  /** The peer's `onEvent`: may be called before the peer's id is known. */
  readonly onEvent: (event: HeadlessPeerEvent) => void;
  /** The peer joined as `peerId`: what it told before goes out now, under that id. */
  named(peerId: string): void;
}

/**
 * A peer starting in a run already going may complete, or fail, before `startHeadlessPeer` has resolved with its
 * id (it still looks up the server's LAN origins): told at once, its completion went out under no id, which the
 * parent's schema refuses (the caller waited for it in vain), and its failure read as its whole process failing
 * (found by review). Events are held until the id is known, then told in order.
 */
export function createCrowdEventRelay(say: (message: CrowdMessage) => void): CrowdEventRelay {
  let peerId: string | undefined;
  const held: HeadlessPeerEvent[] = [];
  const tell = (event: HeadlessPeerEvent, id: string): void => {
    if (event.type === 'complete')
      say({ type: 'complete', peerId: id, runNumber: event.runNumber, fileSha256: event.fileSha256 });
    if (event.type === 'failed') say({ type: 'failed', peerId: id, message: event.message });
  };
  return {
    onEvent(event) {
      if (peerId === undefined) held.push(event);
      else tell(event, peerId);
    },
    named(id) {
      if (peerId !== undefined) throw new Error(`this relay's peer is named already (${peerId})`);
      peerId = id;
      for (const event of held.splice(0)) tell(event, id);
    },
  };
}
