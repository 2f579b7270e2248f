import { seededRandom, type Random } from '@swarmlab/test-kit';

export { seededRandom, type Random };

export function randomInt(random: Random, min: number, maxInclusive: number): number {
  return min + Math.floor(random() * (maxInclusive - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Characters that stress a size check: ASCII, JSON escapes, 2-, 3- and 4-byte UTF-8, lone surrogates. */
const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\r', '\u0001', 'é', '€', '😀', '\ud800', '\udfff', '/', '='];

export function randomString(random: Random, maxLength: number): string {
  const length = randomInt(random, 0, maxLength);
  let text = '';
  for (let index = 0; index < length; index++) text += pick(random, ALPHABET);
  return text;
}

/** Any JSON value, nested up to `maxDepth` containers deep. */
export function randomValue(random: Random, maxDepth = 4): unknown {
  const kind = randomInt(random, 0, maxDepth > 0 ? 7 : 4);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, [0, -1, 1.5, 2 ** 53, -0, 1e-7, 1e300, randomInt(random, -1000, 1000)]);
    case 3:
    case 4:
      return randomString(random, 12);
    case 5:
      return Array.from({ length: randomInt(random, 0, 4) }, () => randomValue(random, maxDepth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: randomInt(random, 0, 4) }, () => [
          randomString(random, 6),
          randomValue(random, maxDepth - 1),
        ]),
      );
  }
}

/** `leaf` inside `depth` arrays or objects, built without recursion (so any depth can be built). */
export function deepNest(depth: number, leaf: unknown = 0, kind: 'array' | 'object' = 'array'): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/**
 * `value` with one change a hostile or buggy client might make: a field dropped, retyped, swapped for a
 * huge or deep value, or an extra field added (at the top level or one level down).
 */
export function mutate(random: Random, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return randomValue(random);
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const key = keys.length > 0 && random() < 0.85 ? pick(random, keys) : randomString(random, 8);
  const replacement = pick(random, [
    () => undefined,
    () => randomValue(random, 2),
    () => 'x'.repeat(randomInt(random, 1, 200_000)),
    () => '€'.repeat(randomInt(random, 1, 40_000)),
    () => deepNest(randomInt(random, 10, 1000), 1, random() < 0.5 ? 'array' : 'object'),
    () => Array.from({ length: randomInt(random, 1, 20_000) }, () => 0),
    () => (typeof copy[key] === 'object' && copy[key] !== null ? mutate(random, copy[key]) : -1),
  ])();
  return Object.fromEntries([
    ...Object.entries(copy).filter(([name]) => name !== key),
    ...(replacement === undefined ? [] : [[key, replacement] as const]),
  ]);
}
