import type { PeerProgress } from '@swarmlab/protocol';

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
 * ("Swift Otter"): 36 × 36 = 1,296 of them, so two peers of a classroom rarely share one, and the short peer
 * id shown beside it tells them apart when they do.
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
  return peerId.slice(0, 6);
}
