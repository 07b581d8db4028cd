// The function policy against the warehouse's own list: every function duckdb_functions() names is allowed
// or refused on purpose (lib/query/functions.ts), and every allowed name exists. A DuckDB upgrade that adds
// a function fails here until someone decides about it (until then queries are refused its use).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALLOWED_FUNCTIONS,
  ALLOWED_TABLE_FUNCTIONS,
  REFUSED_FUNCTIONS,
  REFUSED_TABLE_FUNCTIONS,
  refusedFunction,
  refusedTableFunction,
} from '../../lib/query/functions.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

let warehouse: Warehouse;
let functions: { name: string; kind: string }[];

beforeAll(async () => {
  ({ warehouse } = await migratedDatabase('query_functions'));
  functions = await warehouse.query<{ name: string; kind: string }>(
    'SELECT DISTINCT function_name AS name, function_type AS kind FROM duckdb_functions() ORDER BY 1, 2',
  );
});

afterAll(async () => warehouse?.close());

const TABLE_KINDS = new Set(['table', 'table_macro', 'pragma']);

describe('the function policy', () => {
  it('decides about every function the warehouse has, of every kind', () => {
    expect(functions.length).toBeGreaterThan(800);
    const undecided = functions.filter(({ name, kind }) =>
      TABLE_KINDS.has(kind)
        ? !ALLOWED_TABLE_FUNCTIONS.has(name) && !REFUSED_TABLE_FUNCTIONS.has(name)
        : !ALLOWED_FUNCTIONS.has(name) &&
          !REFUSED_FUNCTIONS.has(name) &&
          !name.startsWith('icu_collate_') &&
          !name.startsWith('__internal'),
    );
    expect(undecided).toEqual([]);
  });

  it('allows only functions the warehouse has, and never one it also refuses', () => {
    const scalar = new Set(functions.filter((f) => !TABLE_KINDS.has(f.kind)).map((f) => f.name));
    const table = new Set(functions.filter((f) => TABLE_KINDS.has(f.kind)).map((f) => f.name));
    expect([...ALLOWED_FUNCTIONS].filter((n) => !scalar.has(n))).toEqual([]);
    expect([...ALLOWED_TABLE_FUNCTIONS].filter((n) => !table.has(n))).toEqual([]);
    expect([...ALLOWED_FUNCTIONS].filter((n) => REFUSED_FUNCTIONS.has(n))).toEqual([]);
    expect([...ALLOWED_TABLE_FUNCTIONS].filter((n) => REFUSED_TABLE_FUNCTIONS.has(n))).toEqual([]);
  });

  it('refuses what reads files, URLs, settings or the environment, or runs SQL, with the reason', () => {
    expect(refusedTableFunction('read_csv')).toBe('table function read_csv reads files or URLs');
    expect(refusedTableFunction('read_parquet')).toBe('table function read_parquet reads files or URLs');
    expect(refusedTableFunction('glob')).toBe('table function glob reads files or URLs');
    expect(refusedTableFunction('query')).toBe(
      'table function query runs SQL text, or reads a table named by a string',
    );
    expect(refusedTableFunction('json_execute_serialized_sql')).toMatch(/runs SQL text/);
    expect(refusedTableFunction('duckdb_settings')).toMatch(/reads the instance/);
    expect(refusedTableFunction('duckdb_secrets')).toMatch(/reads the instance/);
    expect(refusedTableFunction('md_something_new')).toBe(
      'table function md_something_new is not one of range, generate_series, unnest, json_each, json_tree',
    );
    expect(refusedFunction('current_setting')).toMatch(/reads the session/);
    expect(refusedFunction('getenv')).toMatch(/reads the session/);
    expect(refusedFunction('getvariable')).toMatch(/reads the session/);
    expect(refusedFunction('json_serialize_plan')).toMatch(/parses or plans SQL text/);
    expect(refusedFunction('nextval')).toMatch(/changes state/);
    expect(refusedFunction('__internal_compress_string_hugeint')).toMatch(/internal to DuckDB/);
    expect(refusedFunction('brand_new_function')).toBe(
      'function brand_new_function is not one of the functions a query may call',
    );
  });

  it('allows the functions queries are made of', () => {
    for (const name of [
      'count',
      'sum',
      'json_extract_string',
      'regexp_matches',
      'list_transform',
      'date_trunc',
      'row_number',
      'strftime',
      '+',
      '||',
      '~~',
      'icu_collate_de',
    ]) {
      expect([name, refusedFunction(name)]).toEqual([name, null]);
    }
    for (const name of ['range', 'generate_series', 'unnest']) expect(refusedTableFunction(name)).toBeNull();
  });
});
