// ddl --from-zod's mapping (lib/toolkit/from-zod.ts): each zod construct becomes a real table on the embedded
// warehouse, read back through duckdb_columns/duckdb_constraints (introspect), and the values its CHECKs accept
// and refuse are tried there; every refused construct has its exact message.
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ddlFromZod, URL_PATTERN, type ZodTableInput } from '../../lib/toolkit/from-zod.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { TableModel } from '../../lib/toolkit/model.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { verifyDeployed } from '../../tools/toolkit/commands/ddl.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';

const open: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
});

const inputs = (schemas: Record<string, unknown>): ZodTableInput[] =>
  Object.entries(schemas).map(([exportName, schema]) => ({ exportName, schema }));

function plan(schemas: Record<string, unknown>) {
  const result = ddlFromZod(inputs(schemas));
  if (!result.ok) throw new Error(result.refusals.map((r) => r.message).join('\n'));
  return result.plan;
}

/** The tables of `schemas`, created in a fresh database, read back. */
async function created(schemas: Record<string, unknown>): Promise<{ warehouse: Warehouse; tables: TableModel[] }> {
  const warehouse = createPostgresWarehouse(databaseUrl(uniqueDatabase('toolkit_ddl')), { max: 1 });
  open.push(warehouse);
  for (const statement of plan(schemas).statements) await warehouse.exec(statement);
  return { warehouse, tables: [...(await introspect(warehouse)).tables] };
}

/** The one column `c` of table `t` made from `field`, and whether each SQL literal can be inserted. */
async function column(field: z.ZodType, tries: readonly string[] = []) {
  const { warehouse, tables } = await created({ t: z.object({ c: field }) });
  const accepted: boolean[] = [];
  for (const literal of tries)
    accepted.push(
      await warehouse.exec(`INSERT INTO t VALUES (${literal})`).then(
        () => true,
        () => false,
      ),
    );
  const table = tables[0] as TableModel;
  return { column: table.columns[0], table, accepted };
}

const refusals = (schemas: Record<string, unknown>) => {
  const result = ddlFromZod(inputs(schemas));
  return result.ok ? [] : result.refusals.map((r) => r.message);
};

describe('ddl --from-zod types', () => {
  it.each([
    ['z.string()', z.string(), 'VARCHAR'],
    ['z.number()', z.number(), 'DOUBLE'],
    ['z.int()', z.int(), 'BIGINT'],
    ['z.int32()', z.int32(), 'INTEGER'],
    ['z.number().int().min(0).max(100)', z.number().int().min(0).max(100), 'INTEGER'],
    ['z.bigint()', z.bigint(), 'HUGEINT'],
    ['z.int64()', z.int64(), 'BIGINT'],
    ['z.bigint().min(0n).max(10n)', z.bigint().min(0n).max(10n), 'BIGINT'],
    ['z.boolean()', z.boolean(), 'BOOLEAN'],
    ['z.iso.date()', z.iso.date(), 'DATE'],
    ['z.iso.datetime({ offset: true })', z.iso.datetime({ offset: true }), 'TIMESTAMP WITH TIME ZONE'],
    ['z.iso.datetime()', z.iso.datetime(), 'TIMESTAMP'],
    ['z.date()', z.date(), 'TIMESTAMP WITH TIME ZONE'],
    ['z.uuid()', z.uuid(), 'UUID'],
    ['z.json()', z.json(), 'JSON'],
    ['z.array(z.string())', z.array(z.string()), 'VARCHAR[]'],
    ['z.array(z.array(z.int32()))', z.array(z.array(z.int32())), 'INTEGER[][]'],
    ['z.object({...})', z.object({ a: z.int32(), b: z.string().optional() }), 'STRUCT(a INTEGER, b VARCHAR)'],
    ['z.record(z.string(), z.number())', z.record(z.string(), z.number()), 'MAP(VARCHAR, DOUBLE)'],
    ['z.enum([...])', z.enum(['open', 'shut']), "ENUM('open', 'shut')"],
    ['z.literal("x")', z.literal('x'), 'VARCHAR'],
    ['z.union([z.literal(1), z.literal(2)])', z.union([z.literal(1), z.literal(2)]), 'INTEGER'],
  ])('%s is a NOT NULL column of its mapped type', async (_name, field, type) => {
    const { column: c } = await column(field);
    expect(c).toMatchObject({ name: 'c', type, nullable: false, default: null });
  });

  it('makes optional, nullable and nullish fields nullable, and required ones NOT NULL', async () => {
    const { tables } = await created({
      t: z.object({ a: z.string().optional(), b: z.string().nullable(), c: z.string().nullish(), d: z.string() }),
    });
    expect(tables[0]?.columns.map((c) => [c.name, c.nullable])).toEqual([
      ['a', true],
      ['b', true],
      ['c', true],
      ['d', false],
    ]);
  });

  it('turns .default() into DEFAULT, NOT NULL unless the field is also nullable', async () => {
    const { tables, warehouse } = await created({
      t: z.object({
        id: z.int32(),
        s: z.string().default("it's"),
        n: z.number().default(1.5),
        b: z.boolean().default(false),
        e: z.enum(['a', 'b']).default('b'),
        l: z.array(z.int32()).default([1, 2]),
        maybe: z.string().nullable().default(null),
      }),
    });
    expect(tables[0]?.columns.map((c) => [c.name, c.nullable, c.default])).toEqual([
      ['id', false, null],
      ['s', false, "'it''s'"],
      ['n', false, '1.5'],
      ['b', false, "CAST('f' AS BOOLEAN)"],
      ['e', false, "'b'"],
      ['l', false, 'main.list_value(1, 2)'],
      ['maybe', true, 'NULL'],
    ]);
    await warehouse.exec('INSERT INTO t (id) VALUES (1)');
    expect(await warehouse.query('SELECT s, n, b, CAST(e AS VARCHAR) AS e, l, maybe FROM t')).toEqual([
      { s: "it's", n: 1.5, b: false, e: 'b', l: [1, 2], maybe: null },
    ]);
  });

  it('names an ENUM type after the table and field, and shares one zod enum between fields and tables', async () => {
    const Status = z.enum(['a', 'b']);
    const result = plan({
      vesselCalls: z.object({ status: Status, previous: Status.optional() }),
      Port: z.object({ s: Status }),
    });
    expect(result.enums).toEqual([{ name: 'vessel_calls_status', labels: ['a', 'b'] }]);
    expect(result.statements[0]).toBe(`CREATE TYPE "vessel_calls_status" AS ENUM ('a', 'b')`);
    expect(result.tables.map((t) => t.name)).toEqual(['vessel_calls', 'port']);
  });

  it('takes the table name from .meta({ table }) over the export name', () => {
    expect(plan({ Vessel: z.object({ a: z.string() }).meta({ table: 'ships' }) }).tables[0]?.name).toBe('ships');
  });

  it('quotes names and literals, which are data', async () => {
    const { tables, warehouse } = await created({
      t: z.object({ 'we"ird col': z.enum(["o'clock", 'b"q']), 'sel ect': z.string().startsWith("'; DROP") }),
    });
    expect(tables[0]?.columns.map((c) => c.name)).toEqual(['we"ird col', 'sel ect']);
    await warehouse.exec(`INSERT INTO t VALUES ('o''clock', '''; DROP x')`);
    await expect(warehouse.exec(`INSERT INTO t VALUES ('b"q', 'x')`)).rejects.toThrow(/CHECK/);
  });
});

describe('ddl --from-zod CHECK constraints', () => {
  it.each([
    ['.min(2).max(3) on a string', z.string().min(2).max(3), ["'ab'", "'abc'"], ["'a'", "'abcd'"]],
    ['.length(2)', z.string().length(2), ["'ab'"], ["'a'", "'abc'"]],
    ['.regex() (searched, with flags)', z.string().regex(/b+c$/i), ["'aBc'", "'xbbc'"], ["'bcx'", "'ac'"]],
    ['.startsWith/.endsWith', z.string().startsWith('a').endsWith('z'), ["'az'", "'abcz'"], ["'za'", "'a'"]],
    ['.includes()', z.string().includes('mid'), ["'amidb'"], ["'mi d'"]],
    ['.email()', z.email(), ["'a.b@example.com'"], ["'a@b'", "'not an email'"]],
    ['.url()', z.url(), ["'https://example.com/x?y'"], ["'example.com'", "'https:// x'"]],
    [
      'z.uuid() version and variant',
      z.uuid(),
      ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"],
      ["'a0eebc99-9c0b-0ef8-bb6d-6bb9bd380a11'"],
    ],
    ['z.number().min(0).max(1)', z.number().min(0).max(1), ['0', '1', '0.5'], ['-0.1', '1.1', "'Infinity'", "'NaN'"]],
    ['.positive() on a number', z.number().positive(), ['0.001'], ['0', '-1']],
    ['.nonnegative() on a number', z.number().nonnegative(), ['0'], ['-0.5']],
    ['.multipleOf(0.5)', z.number().multipleOf(0.5), ['1.5', '-2'], ['1.25']],
    ['z.int() (safe integers)', z.int(), ['9007199254740991'], ['9007199254740992']],
    ['z.int32().positive()', z.int32().positive(), ['1'], ['0']],
    ['z.int32().multipleOf(3)', z.int32().multipleOf(3), ['-9'], ['10']],
    ['z.bigint().positive()', z.bigint().positive(), ['1'], ['0']],
    ['z.literal(["x", "y"])', z.literal(['x', 'y']), ["'x'", "'y'"], ["'z'"]],
    ['z.array(...).min(1).max(2)', z.array(z.int32()).min(1).max(2), ['[1]', '[1, 2]'], ['[]', '[1, 2, 3]', '[NULL]']],
    [
      'a nested object with a required field',
      z.object({ a: z.int32().min(0), b: z.string().optional() }),
      ["{'a': 1, 'b': NULL}"],
      ["{'a': NULL, 'b': 'x'}", "{'a': -1, 'b': NULL}"],
    ],
    ['z.record values not null', z.record(z.string(), z.int32()), ["MAP {'k': 1}"], ["MAP {'k': NULL}"]],
    [
      'z.date().min()',
      z.date().min(new Date('2020-01-01T00:00:00Z')),
      ["TIMESTAMPTZ '2020-01-01 00:00:00+00'"],
      ["TIMESTAMPTZ '2019-12-31 23:59:59+00'"],
    ],
  ])('%s', async (_name, field, good, bad) => {
    const { accepted, table } = await column(field, [...good, ...bad]);
    expect(accepted).toEqual([...good.map(() => true), ...bad.map(() => false)]);
    expect(table.constraints.some((c) => c.kind === 'CHECK')).toBe(true);
  });

  it('reaches .url() through a documented pattern, as zod has no regex for it', () => {
    expect(plan({ t: z.object({ u: z.url() }) }).tables[0]?.columns[0]?.checks).toEqual([
      `regexp_full_match("u", '(?s:.*)(?:${URL_PATTERN})(?s:.*)')`,
    ]);
  });

  it('notes, rather than enforces, constraints inside lists and maps', () => {
    expect(plan({ t: z.object({ tags: z.array(z.object({ code: z.string().min(2) })) }) }).notes).toEqual([
      't.tags[].code: length >= 2 is not enforced inside a list or map',
      't.tags[].code: NOT NULL is not enforced inside a list or map',
    ]);
  });
});

describe('ddl --from-zod keys and indexes from .meta()', () => {
  it('makes primary, unique and foreign keys and indexes, referenced tables first', async () => {
    const Call = z.object({
      id: z.int().meta({ primaryKey: true }),
      port: z.string().meta({ references: 'ports.code', index: true }),
      ref: z.string().meta({ unique: true, index: 'call_by_ref' }),
    });
    const Port = z.object({ code: z.string().meta({ primaryKey: true }) }).meta({ table: 'ports' });
    const { tables, warehouse } = await created({ Call, Port });
    expect(tables.map((t) => t.name)).toEqual(['call', 'ports']);
    const call = tables[0] as TableModel;
    expect(call.constraints.filter((c) => c.kind !== 'CHECK')).toEqual([
      { kind: 'PRIMARY KEY', columns: ['id'], expression: null, references: null },
      { kind: 'UNIQUE', columns: ['ref'], expression: null, references: null },
      { kind: 'FOREIGN KEY', columns: ['port'], expression: null, references: { table: 'ports', columns: ['code'] } },
    ]);
    expect(call.indexes.map((i) => i.name)).toEqual(['call_by_ref', 'call_port_idx']);
    expect(plan({ Call, Port }).tables.map((t) => t.name)).toEqual(['ports', 'call']);
    await warehouse.exec(`INSERT INTO ports VALUES ('NLRTM')`);
    await warehouse.exec(`INSERT INTO call VALUES (1, 'NLRTM', 'r1')`);
    await expect(warehouse.exec(`INSERT INTO call VALUES (2, 'XXXXX', 'r2')`)).rejects.toThrow(/foreign key/i);
    await expect(warehouse.exec(`INSERT INTO call VALUES (1, 'NLRTM', 'r3')`)).rejects.toThrow(/primary key/i);
    await expect(warehouse.exec(`INSERT INTO call VALUES (3, 'NLRTM', 'r1')`)).rejects.toThrow(/unique|duplicate/i);
  });

  it('makes a composite primary key from several fields', () => {
    const t = plan({
      t: z.object({ a: z.string().meta({ primaryKey: true }), b: z.int32().meta({ primaryKey: true }) }),
    });
    expect(t.tables[0]?.primaryKey).toEqual(['a', 'b']);
  });
});

describe('ddl --from-zod refuses what has no SQL equivalent', () => {
  it.each([
    ['a transform', z.string().transform((s) => s.length), 't.c: z.transform has no SQL equivalent'],
    ['a preprocess', z.preprocess((v) => v, z.string()), 't.c: z.transform has no SQL equivalent'],
    ['a pipe', z.string().pipe(z.string().min(1)), 't.c: z.pipe has no SQL equivalent'],
    [
      'a refine',
      z.string().refine((s) => s !== 'x'),
      't.c: .refine()/.superRefine() has no SQL equivalent (a refinement with code)',
    ],
    [
      'a superRefine',
      z.int().superRefine(() => {}),
      't.c: .refine()/.superRefine() has no SQL equivalent (a refinement with code)',
    ],
    ['.trim()', z.string().trim(), 't.c: .overwrite() has no SQL equivalent (.trim(), .toLowerCase(): a transform)'],
    [
      'a union of non-literals',
      z.union([z.string(), z.number()]),
      't.c: z.union of non-literal members has no SQL equivalent',
    ],
    [
      'mixed literals',
      z.union([z.literal('a'), z.literal(1)]),
      't.c: a union of literals of different types has no SQL equivalent',
    ],
    ['z.any()', z.any(), 't.c: z.any has no SQL equivalent (use z.json() for a JSON column)'],
    ['z.unknown()', z.unknown(), 't.c: z.unknown has no SQL equivalent (use z.json() for a JSON column)'],
    ['a tuple', z.tuple([z.string(), z.number()]), 't.c: z.tuple has no SQL equivalent (use z.object or z.array)'],
    ['a lazy', z.lazy(() => z.string()), 't.c: z.lazy has no SQL equivalent (only z.json() maps, to JSON)'],
    [
      'a conflicting intersection',
      z.intersection(z.object({ a: z.string() }), z.object({ a: z.number() })),
      "t.c: z.intersection with conflicting fields has no SQL equivalent ('a')",
    ],
    [
      'an intersection of non-objects',
      z.intersection(z.string(), z.string().min(1)),
      't.c: z.intersection with a non-object (z.string) has no SQL equivalent',
    ],
    ['.catch()', z.string().catch('x'), 't.c: .catch() has no SQL equivalent'],
    ['z.map()', z.map(z.string(), z.string()), 't.c: z.map has no SQL equivalent (use z.record)'],
    ['z.set()', z.set(z.string()), 't.c: z.set has no SQL equivalent (use z.array)'],
    [
      'a record with enum keys',
      z.record(z.enum(['a']), z.string()),
      't.c: z.record with keys other than a plain z.string() has no SQL equivalent',
    ],
    [
      'a regex lookahead',
      z.string().regex(/^(?=a)/),
      "t.c: /^(?=a)/ has no SQL equivalent (lookaround or a backreference: DuckDB's RE2 has neither)",
    ],
    ['a JWT format', z.jwt(), 't.c: z.jwt has no SQL equivalent'],
    [
      'a default inside an object',
      z.object({ a: z.string().default('x') }),
      't.c.a: .default() inside a nested value has no SQL equivalent',
    ],
  ])('%s', (_name, field, message) => {
    expect(refusals({ t: z.object({ c: field }) })).toEqual([message]);
  });

  it('lists every refused field, with its path through lists, objects and records', () => {
    const Vessel = z.object({
      name: z.string(),
      tags: z.array(z.object({ code: z.string().transform((s) => s.toUpperCase()) })),
      attrs: z.record(z.string(), z.any()),
      owner: z.object({ ok: z.string().meta({ primaryKey: true }) }),
      id: z.string().optional().meta({ primaryKey: true }),
    });
    expect(refusals({ vessels: Vessel, Other: z.string() })).toEqual([
      'vessels.tags[].code: z.transform has no SQL equivalent',
      'vessels.attrs{}: z.any has no SQL equivalent (use z.json() for a JSON column)',
      'vessels.owner.ok: .meta({ primaryKey }) on a nested field has no SQL equivalent',
      'vessels.id: a primary key cannot be optional or nullable',
      'other: a table needs a zod object, not z.string',
    ]);
  });

  it('refuses a refinement of the whole object and a malformed reference', () => {
    expect(
      refusals({
        t: z.object({ a: z.string() }).refine((v) => v.a !== ''),
        u: z.object({ b: z.string().meta({ references: 'nodot' }) }),
      }),
    ).toEqual([
      't: .refine()/.superRefine() has no SQL equivalent (a refinement with code)',
      `u.b: .meta({ references: "nodot" }) is not 'table.column'`,
    ]);
  });
});

describe('ddl --deploy verification', () => {
  it('names a missing table, a column that differs, a nullability and a missing ENUM type', async () => {
    const expected = plan({ a: z.object({ x: z.string(), y: z.enum(['p', 'q']) }), b: z.object({ z: z.int32() }) });
    const { warehouse } = await created({ a: z.object({ x: z.string().optional(), w: z.string() }) });
    expect(verifyDeployed(expected, await introspect(warehouse))).toEqual([
      'a: columns are x, w, expected x, y',
      'a.x: nullable, expected the other',
      'b: the table is missing',
      'a_y: the ENUM type is missing or has other labels',
    ]);
  });
});
