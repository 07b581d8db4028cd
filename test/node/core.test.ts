import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../lib/core/hash.ts';
import { compareCodePoints } from '../../lib/core/order.ts';
import { canonicalCatalog, contentHash } from '../../lib/discovery/snapshot.ts';

const codePoints = (s: string): number[] => [...s].map((c) => c.codePointAt(0) as number);
const byCodePoints = (a: string, b: string): number => {
  const [x, y] = [codePoints(a), codePoints(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x.length - y.length;
};

// Names that differ where one has a character above U+FFFF and the other one in U+E000-U+FFFF: the only
// place where code-point order and UTF-16 order (JavaScript's `<`) disagree.
const TRICKY = ['\u{1F6A2}_SHIP', '\uFF33HIP', 'SHIP', 'SHIP_NAME', '\uE000x', 'ship', '\u{10000}', '\uFFFF', ''];

describe('compareCodePoints', () => {
  it('orders strings by code point, the way comparing their code point arrays does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(byCodePoints(a, b)));
      }),
    );
  });

  it("agrees with DuckDB's ORDER BY on text, where UTF-16 order does not", async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      const list = TRICKY.map((s) => `'${s.replaceAll("'", "''")}'`).join(', ');
      const reader = await connection.runAndReadAll(`SELECT unnest([${list}]) AS s ORDER BY s`);
      const duckdb = reader.getRowObjects().map((r) => r.s as string);
      expect([...TRICKY].sort(compareCodePoints)).toEqual(duckdb);
      expect([...TRICKY].sort()).not.toEqual(duckdb);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  });
});

describe('snapshot order (migration note: snapshots published before lib/core kept UTF-16 order)', () => {
  it('sorts catalog names by code point, so U+FF33 comes before U+1F6A2', () => {
    const entity = (name: string) => ({ name, status: 'active' as const, description: null, mergedInto: null });
    const sorted = canonicalCatalog({ entityTypes: ['\u{1F6A2}_SHIP', '\uFF33HIP'].map(entity), fields: [] });
    expect(sorted.entityTypes.map((e) => e.name)).toEqual(['\uFF33HIP', '\u{1F6A2}_SHIP']);
  });

  it('hashes the canonical document with SHA-256', async () => {
    const catalog = { entityTypes: [], fields: [] };
    expect(await contentHash(catalog)).toBe(await sha256Hex(JSON.stringify(catalog)));
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
