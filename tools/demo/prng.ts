// The demo corpus's randomness: one seed, one stream, so the same seed always writes the same bytes.
import { createHash } from 'node:crypto';

export type Rand = () => number;

export { mulberry32 } from '../../lib/core/random.ts';

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
