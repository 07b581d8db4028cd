import { afterAll, describe, expect, it } from 'vitest';
import { OPERATION_TABLES, TABLES } from '../../lib/schema/tables.ts';

const ALL = [...TABLES, ...OPERATION_TABLES];

import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

let warehouse: Warehouse | undefined;
afterAll(async () => warehouse?.close());

describe('lib/schema/tables.ts', () => {
  it('matches the columns, types and nullability of a warehouse with every migration applied', async () => {
    ({ warehouse } = await migratedDatabase('schema_tables'));
    const rows = await warehouse.query<{
      table_name: string;
      column_name: string;
      data_type: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_catalog = current_database() AND table_name IN (${ALL.map((t) => `'${t.name}'`).join(', ')})
       ORDER BY table_name, ordinal_position`,
    );
    const actual = ALL.map((t) => ({
      table: t.name,
      columns: rows
        .filter((r) => r.table_name === t.name)
        .map((r) => ({ name: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' })),
    }));
    const expected = ALL.map((t) => ({
      table: t.name,
      columns: t.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
    }));
    expect(actual).toEqual(expected);
  });
});
