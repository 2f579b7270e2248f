import type { PeerLink } from '@swarmlab/engine';
import { WIRE_TAG } from '@swarmlab/protocol';

/**
 * A test switch's link (`TestSwitches.corruptBlocksFraction`): it flips the last byte of a fraction of the
 * block messages this tab sends, as a faulty or malicious peer would, and passes everything else through.
 */
export function corruptingLink(link: PeerLink, fraction: number, random: () => number = Math.random): PeerLink {
  return {
    get remotePeerId() {
      return link.remotePeerId;
    },
    get bufferedBytes() {
      return link.bufferedBytes;
    },
    get copiesOnSend() {
      return link.copiesOnSend === true;
    },
    send(bytes) {
      if (bytes[0] !== WIRE_TAG.block || random() >= fraction) return link.send(bytes);
      const corrupted = bytes.slice();
      corrupted[corrupted.length - 1]! ^= 0xff;
      link.send(corrupted);
    },
    attach: (handlers) => link.attach(handlers),
    close: () => link.close(),
  };
}
