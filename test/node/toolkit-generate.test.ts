import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuckType } from '../../lib/toolkit/generate/duckdb-type.ts';
import { GENERATE_FORMATS, renderFormat } from '../../lib/toolkit/generate/index.ts';
import { renderMarkdown } from '../../lib/toolkit/generate/markdown.ts';
import { renderMermaid } from '../../lib/toolkit/generate/mermaid.ts';
import { checkLabels, pascalIdentifiers } from '../../lib/toolkit/generate/shared.ts';
import { renderTypes } from '../../lib/toolkit/generate/ts.ts';
import { renderZod } from '../../lib/toolkit/generate/zod.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { ColumnModel, SchemaModel, TableModel } from '../../lib/toolkit/model.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import * as committed from '../../schema/generated/zod.ts';
import { GENERATED_DIR } from '../../tools/toolkit/generated.ts';
import { migratedDatabase } from '../support/databases.ts';
import { compileZodModule, createAjv, importZodModule, parseMermaid } from '../support/schema-format-checks.ts';

const SOURCE = { source: 'a test database' };

describe('DuckDB type text', () => {
  it('parses nested types, quoted field names, fixed arrays and ENUM labels', () => {
    expect(parseDuckType('STRUCT(a INTEGER, "b ""c"" d" DECIMAL(18,4))[]')).toEqual({
      kind: 'list',
      element: {
        kind: 'struct',
        fields: [
          { name: 'a', type: { kind: 'scalar', name: 'INTEGER' } },
          { name: 'b "c" d', type: { kind: 'decimal', width: 18, scale: 4 } },
        ],
      },
    });
    expect(parseDuckType('MAP(VARCHAR, TIMESTAMP WITH TIME ZONE[3])')).toEqual({
      kind: 'map',
      key: { kind: 'scalar', name: 'VARCHAR' },
      value: { kind: 'array', element: { kind: 'scalar', name: 'TIMESTAMP WITH TIME ZONE' }, size: 3 },
    });
    expect(parseDuckType("ENUM('a', 'b''c')")).toEqual({ kind: 'enum', labels: ['a', "b'c"] });
    expect(() => parseDuckType('STRUCT(a INTEGER')).toThrow(/expected/);
  });

  it('reads one-column CHECK IN-lists as labels, and nothing else', () => {
    expect(checkLabels("(status IN ('a', 'b''s'))", 'status')).toEqual(['a', "b's"]);
    expect(checkLabels('("a|b" IN (\'x\'))', 'a|b')).toEqual(['x']);
    expect(checkLabels("(status IN ('a', 'b'))", 'other')).toBeNull();
    expect(checkLabels('(version >= 1)', 'version')).toBeNull();
    expect(checkLabels("((status IN ('a')) OR (x = 1))", 'status')).toBeNull();
  });

  it('makes distinct identifiers of any names', () => {
    expect([...pascalIdentifiers(['raw_documents', 'raw-documents', '1x', '</script>'], 'Row')]).toEqual([
      ['1x', 'T1xRow'],
      ['</script>', 'ScriptRow'],
      ['raw-documents', 'RawDocumentsRow'],
      ['raw_documents', 'RawDocumentsRow2'],
    ]);
  });
});

/** A SQL literal of `type` for row `n` (0 or 1), honouring a one-column CHECK IN-list. */
function valueSql(c: ColumnModel, labels: readonly string[] | null, n: number): string {
  if (labels) return `'${(labels[n % labels.length] as string).replaceAll("'", "''")}'`;
  const t = c.type;
  if (t === 'VARCHAR') return `'v${n}'`;
  if (t === 'INTEGER') return String(n + 1);
  if (t === 'BIGINT') return n === 0 ? '9007199254740993' : '2';
  if (t === 'DOUBLE') return n === 0 ? '1.5' : "'NaN'";
  if (t === 'BOOLEAN') return n === 0 ? 'true' : 'false';
  if (t === 'JSON') return n === 0 ? `'{"k": [1, "x", null]}'` : `'"text"'`;
  if (t === 'TIMESTAMP WITH TIME ZONE') return `TIMESTAMPTZ '2026-0${n + 1}-02 03:04:05.123456+00'`;
  if (t === 'BLOB') return n === 0 ? `'\\x00\\xFFab'::BLOB` : `''::BLOB`;
  throw new Error(`no test value for ${t}`);
}

function labelsOf(t: TableModel, column: string): string[] | null {
  for (const c of t.constraints)
    if (c.kind === 'CHECK' && c.expression && c.columns.length === 1 && c.columns[0] === column)
      return checkLabels(c.expression, column);
  return null;
}

describe('the committed zod module', () => {
  let db: { url: string; warehouse: Warehouse };
  let model: SchemaModel;
  beforeAll(async () => {
    db = await migratedDatabase('toolkit_generate');
    model = await introspect(db.warehouse);
  });
  afterAll(() => db.warehouse.close());

  it('parses real rows of every table, written with every column set and with every nullable column NULL', async () => {
    expect(Object.keys(committed.tables).sort()).toEqual(model.tables.map((t) => t.name).sort());
    for (const t of model.tables) {
      if (t.name === 'schema_migrations') continue;
      const columns = t.columns.map((c) => `"${c.name}"`).join(', ');
      for (const n of [0, 1]) {
        const values = t.columns.map((c) => (n === 1 && c.nullable ? 'NULL' : valueSql(c, labelsOf(t, c.name), n)));
        await db.warehouse.exec(`INSERT INTO "${t.name}" (${columns}) VALUES (${values.join(', ')})`);
      }
    }
    for (const t of model.tables) {
      const rows = await db.warehouse.query(`SELECT * FROM "${t.name}"`);
      expect(rows.length, t.name).toBeGreaterThanOrEqual(t.name === 'schema_migrations' ? 1 : 2);
      const schema = committed.tables[t.name as keyof typeof committed.tables];
      for (const row of rows) expect(schema.safeParse(row).error, `${t.name}: ${JSON.stringify(row)}`).toBeUndefined();
    }
    // The row read back keeps exact big integers as text and timestamps as Dates.
    const [field] = await db.warehouse.query('SELECT * FROM field_definitions WHERE occurrence_count > 2');
    const parsed = committed.FieldDefinitionsRow.parse(field);
    expect(parsed.occurrence_count).toBe('9007199254740993');
    expect(parsed.created_at).toEqual(new Date('2026-01-02T03:04:05.123Z'));
    expect(committed.AnnotationsRow.safeParse({ ...parsed, status: 'unknown' }).success).toBe(false);
  });

  it('parses the rows of every view over those tables', async () => {
    for (const v of model.views) {
      const rows = await db.warehouse.query(`SELECT * FROM "${v.name}" LIMIT 20`);
      const schema = committed.views[v.name as keyof typeof committed.views];
      for (const row of rows) expect(schema.safeParse(row).error, `${v.name}: ${JSON.stringify(row)}`).toBeUndefined();
    }
  });

  it('the Markdown names every table and column, and the Mermaid parses as an erDiagram', async () => {
    const md = readFileSync(`${GENERATED_DIR}schema.md`, 'utf8');
    for (const t of model.tables) {
      expect(md).toContain(`## Table ${t.name}`);
      for (const c of t.columns) expect(md, `${t.name}.${c.name}`).toMatch(new RegExp(`^\\| ${c.name} \\|`, 'm'));
    }
    for (const v of model.views) expect(md).toContain(`## View ${v.name}`);
    expect(await parseMermaid(readFileSync(`${GENERATED_DIR}schema.mmd`, 'utf8'))).toBe('er');
  });

  it('the JSON Schema compiles under draft 2020-12 with a $defs entry per table and view', () => {
    const schema = JSON.parse(readFileSync(`${GENERATED_DIR}schema.json`, 'utf8'));
    const ajv = createAjv();
    ajv.addSchema(schema);
    expect(Object.keys(schema.$defs).sort()).toEqual([...model.tables, ...model.views].map((r) => r.name).sort());
  });
});

const NESTED = `
  CREATE TYPE mood AS ENUM ('calm', 'rough');
  CREATE TABLE "cargo</script>" (
    id HUGEINT PRIMARY KEY,
    amount DECIMAL(18,4) NOT NULL,
    tags VARCHAR[] NOT NULL,
    dims INTEGER[2],
    owner STRUCT(name VARCHAR, "since */" TIMESTAMPTZ, shares DECIMAL(5,2), nested STRUCT(k BIGINT)[]),
    counts MAP(VARCHAR, BIGINT),
    sea mood NOT NULL,
    payload JSON,
    state VARCHAR NOT NULL CHECK (state IN ('open', 'shut''d')),
    "a|b" DOUBLE,
    flag BOOLEAN,
    raw BLOB,
    UNIQUE (amount)
  );
  CREATE TABLE manifest (cargo_id HUGEINT REFERENCES "cargo</script>" (id), line INTEGER);
  COMMENT ON TABLE "cargo</script>" IS 'hostile */ table </script> | \`code\`';
  COMMENT ON COLUMN "cargo</script>"."a|b" IS 'ends */ here
and <b>bold</b> | pipe';
  INSERT INTO "cargo</script>" VALUES
    (170141183460469231731687303715884105727, 12345.6789, ['x', NULL], [1, 2],
     {name: 'Ann', 'since */': TIMESTAMPTZ '2024-01-02 03:04:05+00', shares: 1.25, nested: [{k: 5}]},
     MAP {'a': 1, 'b': NULL}, 'rough', '{"k": [1]}', 'shut''d', 'NaN', true, 'ab'::BLOB),
    (-1, 0, [], NULL, NULL, NULL, 'calm', NULL, 'open', NULL, NULL, NULL);
  INSERT INTO manifest VALUES (-1, 1);
`;

describe('a table of nested and hostile columns', () => {
  let db: { url: string; warehouse: Warehouse };
  let model: SchemaModel;
  let rows: Record<string, unknown>[];
  beforeAll(async () => {
    db = await migratedDatabase('toolkit_nested');
    await db.warehouse.exec(NESTED);
    const all = await introspect(db.warehouse);
    model = { ...all, tables: all.tables.filter((t) => t.name === 'cargo</script>' || t.name === 'manifest') };
    model = { ...model, views: [] };
    rows = await db.warehouse.query('SELECT * FROM "cargo</script>" ORDER BY id DESC');
  });
  afterAll(() => db.warehouse.close());

  it('its generated zod module accepts the real rows and rejects wrong ones', async () => {
    const m = await importZodModule(renderZod(model, SOURCE));
    const schema = m.tables['cargo</script>'];
    for (const row of rows) expect(schema.safeParse(row).error, JSON.stringify(row)).toBeUndefined();
    const good = rows[0] as Record<string, unknown>;
    expect(good.id).toBe('170141183460469231731687303715884105727');
    const wrong: Record<string, unknown>[] = [
      { amount: 12345.6789 },
      { amount: '12,3' },
      { id: 1.5 },
      { tags: ['x', 1] },
      { dims: 'x' },
      { owner: { ...(good.owner as object), shares: '1.25' } },
      { owner: { ...(good.owner as object), nested: [{ k: 'five' }] } },
      { counts: { a: 'one' } },
      { sea: 'stormy' },
      { sea: null },
      { state: 'ajar' },
      { 'a|b': 'x' },
      { flag: 'true' },
      { raw: 'ab' },
    ];
    for (const change of wrong)
      expect(schema.safeParse({ ...good, ...change }).success, JSON.stringify(change)).toBe(false);
    expect(schema.safeParse({ ...good, id: 170141183460469231731687303715884105727n }).success).toBe(true);
  });

  it('its TypeScript types compile, and the types of a wrong row do not', () => {
    const types = renderTypes(model, SOURCE);
    expect(compileZodModule(types).diagnostics).toEqual([]);
    expect(types).toContain('"a|b": number | null;');
    expect(types).toContain(`"state": "open" | "shut'd";`);
    const wrong = `${types}\nexport const r: ManifestRow = { "cargo_id": 1, "line": 'x' };\n`;
    expect(compileZodModule(wrong).diagnostics.join('\n')).toMatch(/not assignable/);
  });

  it('escapes names and comments in every format', async () => {
    for (const format of GENERATE_FORMATS) {
      const text = renderFormat(format, model, SOURCE);
      if (format !== 'json-schema') expect(text, format).not.toContain('</script>');
      if (format === 'json-schema') {
        const schema = JSON.parse(text);
        expect(Object.keys(schema.$defs['cargo</script>'].properties)).toContain('a|b');
        expect(schema.$defs['cargo</script>'].properties['a|b'].description).toContain('ends */ here');
        createAjv().addSchema(schema);
      }
    }
    const zod = renderZod(model, SOURCE);
    // Outside the string literal "since */", the only comment terminators are the generator's own.
    for (const line of zod.replaceAll('"since */"', '').split('\n'))
      if (line.includes('*/')) expect(line.trimEnd()).toMatch(/\*\/$/);
    expect(zod).toContain('ends *\\/ here');
    const md = renderMarkdown(model, SOURCE);
    expect(md).toContain('## Table cargo&lt;/script&gt;');
    expect(md).toContain('| a&#124;b | DOUBLE | yes |');
    expect(md).toContain('ends \\*/ here<br>and &lt;b&gt;bold&lt;/b&gt; &#124; pipe');
    const mmd = renderMermaid(model, SOURCE);
    expect(await parseMermaid(mmd)).toBe('er');
    expect(mmd).toContain('manifest }o--|| cargo_script_ : "cargo_id"');
    expect(mmd).toMatch(/HUGEINT id PK/);
    expect(mmd).toMatch(/DECIMAL_18_4 amount UK/);
    expect(mmd).toMatch(/HUGEINT cargo_id FK/);
  });
});
