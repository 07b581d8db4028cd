// The console's catalog search over 50,000 names on the embedded warehouse: one page of rows leaves the
// warehouse whatever matches, and the total still counts every match.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browseCatalog } from '../../lib/discovery/catalog-tables/browse.ts';
import type { SqlParam, Warehouse, WarehouseSession } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

const NAMES = 50_000;
const PAGE = { limit: 50, offset: 0 };

let db: { url: string; warehouse: Warehouse };

/** The warehouse, counting the rows each query sends back. */
function counting(inner: WarehouseSession): { session: WarehouseSession; rowsPerQuery: number[] } {
  const rowsPerQuery: number[] = [];
  const session: WarehouseSession = {
    query: async <T extends object>(sql: string, params?: readonly SqlParam[]) => {
      const rows = await inner.query<T>(sql, params);
      rowsPerQuery.push(rows.length);
      return rows;
    },
    execute: (sql, params) => inner.execute(sql, params),
    exec: (sql) => inner.exec(sql),
    loadFile: (load) => inner.loadFile(load),
  };
  return { session, rowsPerQuery };
}

beforeAll(async () => {
  db = await migratedDatabase('catalog_scale');
  // NAME_00000 .. NAME_49999 as entity types, every fifth a candidate; and as many fields of one source.
  await db.warehouse.execute(
    `INSERT INTO entity_types (name, status, occurrence_count, document_count, examples, created_at, updated_at)
     SELECT 'NAME_' || lpad(i::VARCHAR, 5, '0'), CASE WHEN i % 5 = 0 THEN 'candidate' ELSE 'active' END, i, 1,
            '["a", "b", "c", "d"]', now(), now()
     FROM range(${NAMES / 2}) AS t(i)`,
  );
  await db.warehouse.execute(
    `INSERT INTO field_definitions (source, name, kind, inferred_type, occurrence_count, status, created_at, updated_at)
     SELECT 'registry', 'NAME_' || lpad(i::VARCHAR, 5, '0'), 'structured', 'VARCHAR', i, 'active', now(), now()
     FROM range(${NAMES / 2}, ${NAMES}) AS t(i)`,
  );
}, 120_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('browseCatalog over 50,000 names', () => {
  it.each([
    ['name_4', {}, 10_000],
    ['NAME_1', { kind: 'entity_type' as const }, 10_000],
    ['NAME_3', { kind: 'field' as const, source: 'registry' }, 10_000],
    ['', { status: 'candidate' as const }, 5_000],
    ['', {}, NAMES],
  ])('q=%j %j: one page of 50 leaves the warehouse, the total counts all %i', async (q, filter, total) => {
    const { session, rowsPerQuery } = counting(db.warehouse);
    const page = await browseCatalog(session, { ...filter, ...(q ? { q } : {}) }, PAGE);
    expect(page.total).toBe(total);
    expect(page.entries).toHaveLength(50);
    expect(Math.max(...rowsPerQuery)).toBe(50);
    expect(rowsPerQuery.reduce((a, b) => a + b, 0)).toBe(51);
  });

  it('pages deep into the matches in name order', async () => {
    const page = await browseCatalog(db.warehouse, { q: 'NAME_4' }, { limit: 50, offset: 9_950 });
    expect(page.total).toBe(10_000);
    expect(page.entries.map((e) => e.name)).toEqual([...Array(50)].map((_, i) => `NAME_${49_950 + i}`));
    expect(page.entries.every((e) => e.kind === 'field' && e.source === 'registry')).toBe(true);
  });

  it('puts names that start with the search first', async () => {
    const page = await browseCatalog(db.warehouse, { q: '4999' }, PAGE);
    // NAME_04999, NAME_14999, ... contain it; nothing starts with it, so name order decides.
    expect(page.total).toBe(15);
    expect(page.entries.slice(0, 3).map((e) => e.name)).toEqual(['NAME_04999', 'NAME_14999', 'NAME_24999']);
  });
});
