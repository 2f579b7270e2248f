import type { Instance as SimplePeerInstance } from 'simple-peer';

/** What `onExtraChannel` is told when the other side opens a data channel past its first. */
export const EXTRA_DATA_CHANNEL_MESSAGE = 'it opened another data channel: closed';

/** The part of simple-peer this reaches past its API for: its RTCPeerConnection (null once destroyed). */
interface SimplePeerConnection {
  readonly _pc?: { ondatachannel: ((event: RTCDataChannelEvent) => void) | null } | null;
}

/**
 * Hands simple-peer only the first data channel the other side opens on a connection this side answers, and closes
 * every later one; `onExtraChannel` is told at the first of those. The other side may open channels at any time after
 * connecting (no renegotiation needed), and simple-peer's answerer takes each as its channel: the link kept sending
 * on the newest while it waited for `drain` on the first (uploads to that peer stopped for good after 1 MiB queued),
 * and each started a 5 s interval that `destroy()` did not stop, keeping the closed peer alive for the page's life
 * (found by review). Call it right after the peer is made, before any channel can arrive; a peer without the handler
 * where this expects it (simple-peer changed, an initiator, a stand-in) is left as it is.
 */
export function keepFirstDataChannel(peer: SimplePeerInstance, onExtraChannel: () => void): void {
  const pc = (peer as unknown as SimplePeerConnection)._pc;
  const takeChannel = pc?.ondatachannel;
  if (!pc || typeof takeChannel !== 'function') return;
  let taken = false;
  let told = false;
  pc.ondatachannel = function (this: unknown, event: RTCDataChannelEvent) {
    if (!taken) {
      taken = true;
      return takeChannel.call(this, event);
    }
    try {
      event.channel?.close();
    } catch {
      // Closed already, or a channel this WebRTC cannot close: either way it is none of simple-peer's.
    }
    if (told) return;
    told = true;
    onExtraChannel();
  };
}
