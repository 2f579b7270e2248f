import { remove as removeConfusables } from 'confusables';
import { SHORT_PEER_ID_CHARS, type PeerProgress } from '@swarmlab/protocol';

const ADJECTIVES = [
  'Amber',
  'Bold',
  'Brave',
  'Bright',
  'Calm',
  'Clever',
  'Cosy',
  'Curious',
  'Daring',
  'Eager',
  'Gentle',
  'Glad',
  'Golden',
  'Happy',
  'Honest',
  'Jolly',
  'Keen',
  'Kind',
  'Lively',
  'Lucky',
  'Merry',
  'Mighty',
  'Nimble',
  'Noble',
  'Patient',
  'Plucky',
  'Polite',
  'Proud',
  'Quick',
  'Quiet',
  'Rapid',
  'Sunny',
  'Swift',
  'Tidy',
  'Witty',
  'Zesty',
] as const;

const ANIMALS = [
  'Badger',
  'Bee',
  'Beaver',
  'Crane',
  'Dolphin',
  'Eagle',
  'Falcon',
  'Ferret',
  'Finch',
  'Fox',
  'Gecko',
  'Heron',
  'Hedgehog',
  'Ibis',
  'Koala',
  'Lark',
  'Lemur',
  'Lynx',
  'Marten',
  'Moose',
  'Newt',
  'Otter',
  'Owl',
  'Panda',
  'Puffin',
  'Quail',
  'Raven',
  'Robin',
  'Seal',
  'Stork',
  'Swan',
  'Tapir',
  'Toucan',
  'Walrus',
  'Wombat',
  'Yak',
] as const;

/** FNV-1a over the id's UTF-16 units: a fixed, well-spread number for each peer id, the same on every screen. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A readable name for a peer that chose none, made up from its peer id, so every screen shows the same one
 * ("Swift Otter"): 36 × 36 = 1,296 of them. Two of 40 peers share one in almost half of all classes (the birthday
 * bound), so screens show names through `shownPeerNames`, which tells them apart.
 */
export function defaultPeerName(peerId: string): string {
  const hash = hashOf(peerId);
  return `${ADJECTIVES[hash % ADJECTIVES.length]} ${ANIMALS[Math.floor(hash / ADJECTIVES.length) % ANIMALS.length]}`;
}

/** What every screen calls a peer: the name it chose, else its made-up one. Shown as text, never as HTML. */
export function peerNameOf(peer: Pick<PeerProgress, 'peerId' | 'name'>): string {
  return peer.name ?? defaultPeerName(peer.peerId);
}

/** The short form of a peer id shown beside its name: enough to tell two peers apart. */
export function shortPeerId(peerId: string): string {
  return peerId.slice(0, SHORT_PEER_ID_CHARS);
}

/** A name as screens show it: the peer's, and what tells it apart from a namesake (empty if none). */
export interface ShownName {
  readonly name: string;
  /** " ·xuvICh": its short peer id, where another peer has the same name. */
  readonly suffix: string;
}

/**
 * What every screen calls each of `peers` (`peerNameOf`), peers whose names are the same (made up or chosen, in any
 * case) told apart by their short peer id ("Curious Newt ·xuvICh"): two "Curious Newt" cards on the projector, and
 * two lines with the same label on the chart, in 46 % of 40-peer classes (found by review). A screen that cuts a
 * long name short cuts the name, not the suffix (`shownPeerNameParts`).
 */
export function shownPeerNames(peers: readonly Pick<PeerProgress, 'peerId' | 'name'>[]): Map<string, string> {
  return new Map([...shownPeerNameParts(peers)].map(([peerId, { name, suffix }]) => [peerId, name + suffix]));
}

/**
 * What a name passes for on a screen: look-alike characters (a Cyrillic "А", full-width or accented letters) as the
 * Latin ones they pass for, zero-width characters gone, in lower case. "Аlice" and "Alice\u200B" passed for a
 * classmate's "Alice" with no short id beside either (found by review); folding more together costs only a suffix.
 */
export function nameLookalikeKey(name: string): string {
  return removeConfusables(name.normalize('NFKC')).toLowerCase();
}

/** `shownPeerNames` as name and suffix. */
export function shownPeerNameParts(peers: readonly Pick<PeerProgress, 'peerId' | 'name'>[]): Map<string, ShownName> {
  const named = peers.map((peer) => {
    const name = peerNameOf(peer);
    return { peerId: peer.peerId, name, key: nameLookalikeKey(name) };
  });
  const counts = new Map<string, number>();
  for (const { key } of named) counts.set(key, (counts.get(key) ?? 0) + 1);
  return new Map(
    named.map(({ peerId, name, key }) => [
      peerId,
      { name, suffix: (counts.get(key) ?? 0) > 1 ? ` ·${shortPeerId(peerId)}` : '' },
    ]),
  );
}
