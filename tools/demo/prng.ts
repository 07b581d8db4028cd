// The demo corpus's randomness: one seed, one stream, so the same seed always writes the same bytes.
import { createHash } from 'node:crypto';

export type Rand = () => number;

/** mulberry32: a 32-bit state and five lines, plenty for test data and nothing to install. */
export function mulberry32(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function int(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

export function pick<T>(rand: Rand, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

/**
 * A stable UUID for a named demo thing (Argilla ids). A hash of the name, not a draw: it does not depend on the
 * seed, so another seed's corpus answers the same records and responses again and supersedes the last one's.
 */
export function stableUuid(...parts: readonly (string | number)[]): string {
  const h = createHash('sha256')
    .update(`living-schema-demo\u0000${parts.join('\u0000')}`)
    .digest('hex');
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
