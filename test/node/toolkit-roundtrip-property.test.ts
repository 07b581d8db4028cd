// The round trip of issue 18, as a property: a random zod object schema (the fields toolkit-ddl-property
// generates) goes through ddl --from-zod into a real table on the embedded warehouse, and back out through
// introspect + generate zod. The two schemas describe different things: the source schema the values a writer
// hands in, the generated one the rows lib/warehouse/postgres.ts hands back (BIGINT and HUGEINT as digit text,
// DATE and TIMESTAMPTZ as a Date, NULL for a missing key; see lib/toolkit/generate/zod.ts's header). So "both
// accept and reject the same values" is checked where it means something:
//   1. every generated value the source schema accepts, the table accepts (and only those: the refusals are
//      toolkit-ddl-property's subject, here they only decide which rows exist), and every row read back is
//      accepted by the generated schema: nothing the source lets in comes back in a shape the generated schema
//      refuses;
//   2. per column, a value of the wrong kind for the column (a string where it is INTEGER, a number where it is
//      VARCHAR, a label outside its ENUM or IN-list, null where it is NOT NULL, ...) is refused by the generated
//      column schema and by the source field alike.
// Gaps by design, which the property does not claim: the generator turns a column's type, NOT NULL and a
// one-column IN-list CHECK back into zod, but no other CHECK. A zod string's min/max/startsWith/endsWith/regex, a
// number's bounds and multipleOf, an array's min/max length become CHECK constraints the generated schema does
// not repeat (the database still enforces them), so a value breaking only those is refused by the source schema
// and accepted by the generated one; such values are never offered to the generated schema as "wrong". A z.json()
// column takes null as the JSON value null on both sides, so null is no wrong value for it even when NOT NULL.
// A missing key is no wrong value either: the source schema's optional() has no counterpart in a row, where a
// missing value is NULL.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ddlFromZod } from '../../lib/toolkit/from-zod.ts';
import { parseDuckType, scalarFamily } from '../../lib/toolkit/generate/duckdb-type.ts';
import { columnLabels, relationsOf } from '../../lib/toolkit/generate/shared.ts';
import { renderZod } from '../../lib/toolkit/generate/zod.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import type { ColumnModel } from '../../lib/toolkit/model.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { quoteIdent } from '../../lib/warehouse/sql.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';
import { type FieldGen, field } from '../support/zod-fields.ts';

// A database of its own, empty: introspect then sees only the table of the current run.
const warehouse: Warehouse = createPostgresWarehouse(databaseUrl(uniqueDatabase('toolkit_roundtrip_prop')), {
  max: 1,
});
afterAll(() => warehouse.close());

// Next to the project's node_modules, so the generated module's `import { z } from 'zod'` resolves.
const CACHE = new URL('../../node_modules/.cache/living-schema/roundtrip/', import.meta.url).pathname;
let moduleCounter = 0;

/**
 * The generated module, written to a temp file and imported. Transpiled only: toolkit-generate type-checks the
 * renderer's output, and a type-check per run would cost a second or more each.
 */
async function importGenerated(source: string): Promise<{ tables: Record<string, z.ZodObject> }> {
  mkdirSync(CACHE, { recursive: true });
  moduleCounter += 1;
  const file = join(CACHE, `roundtrip-${process.pid}-${moduleCounter}.ts`);
  writeFileSync(file, source);
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  const mjs = file.replace(/\.ts$/, '.mjs');
  writeFileSync(mjs, out.outputText);
  return import(/* @vite-ignore */ pathToFileURL(mjs).href);
}

/** Values of the wrong kind for a column, read from its introspected type (and IN-list), not from the zod source. */
function wrongValues(column: ColumnModel, labels: readonly string[] | null): unknown[] {
  const wrong: unknown[] = [];
  const t = parseDuckType(column.type);
  const json = t.kind === 'scalar' && scalarFamily(t.name) === 'json';
  if (!column.nullable && !json) wrong.push(null);
  if (labels || t.kind === 'enum') return [...wrong, 'not one of the labels', 1];
  switch (t.kind) {
    case 'scalar':
      switch (scalarFamily(t.name)) {
        case 'boolean':
          return [...wrong, 'true', 1];
        case 'integer':
          return [...wrong, '1', 1.5, true];
        case 'wide-integer':
          return [...wrong, 1.5, '1.5', 'x'];
        case 'double':
          return [...wrong, '1', true];
        case 'string':
          return [...wrong, 1, true];
        case 'json':
          return [...wrong, 1n];
        case 'timestamp':
          return [...wrong, 0, 'not a date'];
        default:
          return wrong;
      }
    case 'decimal':
      return [...wrong, 'x', true];
    case 'list':
    case 'array':
      return [...wrong, 'x', ['x']];
    case 'struct':
    case 'map':
      return [...wrong, 'x', 1, { a: 'x' }];
    default:
      return [...wrong, 'x'];
  }
}

let tableCounter = 0;

describe('ddl --from-zod then generate zod, as a property', () => {
  it('gives back a row schema that takes every row the source schema let in and refuses values of the wrong kind', async () => {
    let rowsRead = 0;
    let wrongChecked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(field, { minLength: 1, maxLength: 4 })
          .chain((fields) =>
            fc.tuple(
              fc.constant(fields),
              fc.array(fc.tuple(...fields.map((f) => f.value)), { minLength: 8, maxLength: 8 }),
            ),
          ),
        async ([fields, rows]) => {
          tableCounter += 1;
          const name = `roundtrip_${tableCounter}`;
          const source = z.object(Object.fromEntries(fields.map((f, i) => [`f${i}`, f.schema])));
          const result = ddlFromZod([{ exportName: name, schema: source }]);
          if (!result.ok) throw new Error(result.refusals.map((r) => r.message).join('\n'));
          const context = `${fields.map((f) => f.label).join(' | ')}\n${result.plan.statements.join(';\n')}`;
          for (const statement of result.plan.statements) await warehouse.exec(statement);
          try {
            // 1. The rows the source schema accepts, inserted one by one; the database takes exactly those.
            let inserted = 0;
            for (const values of rows) {
              const row: Record<string, unknown> = {};
              const columns: string[] = [];
              const literals: string[] = [];
              values.forEach((v, i) => {
                if (v === undefined) return;
                row[`f${i}`] = v;
                columns.push(quoteIdent(`f${i}`));
                const f = fields[i] as FieldGen;
                literals.push(v === null && !f.jsonNull ? 'NULL' : f.sql(v));
              });
              const insert =
                columns.length === 0
                  ? `INSERT INTO ${quoteIdent(name)} DEFAULT VALUES`
                  : `INSERT INTO ${quoteIdent(name)} (${columns.join(', ')}) VALUES (${literals.join(', ')})`;
              const zodOk = source.safeParse(row).success;
              const accepted = await warehouse.exec(insert).then(
                () => true,
                () => false,
              );
              expect(accepted, `${insert}\n${context}`).toBe(zodOk);
              if (accepted) inserted += 1;
            }

            const model = await introspect(warehouse);
            const relation = relationsOf(model).find((r) => r.name === name);
            if (!relation) throw new Error(`introspect did not see ${name}`);
            const text = renderZod(model, { source: 'the round-trip property' });
            const generated = (await importGenerated(text)).tables[name];
            if (!generated) throw new Error(`the generated module has no row schema for ${name}:\n${text}`);
            expect(Object.keys(generated.shape)).toEqual(fields.map((_, i) => `f${i}`));

            // ... and every row as the warehouse client returns it is a row of the generated schema.
            const back = await warehouse.query(`SELECT * FROM ${quoteIdent(name)}`);
            expect(back).toHaveLength(inserted);
            for (const row of back) {
              const parsed = generated.safeParse(row);
              expect(
                parsed.success,
                `${JSON.stringify(row, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}\n${parsed.error?.message}\n${context}\n${text}`,
              ).toBe(true);
              rowsRead += 1;
            }

            // 2. Per column, values of the wrong kind: refused by the generated column schema and the source field.
            for (const column of relation.columns) {
              const generatedColumn = generated.shape[column.name] as z.ZodType;
              const sourceField = source.shape[column.name] as z.ZodType;
              for (const v of wrongValues(column, columnLabels(relation, column.name))) {
                const label = `${column.name} ${column.type}${column.nullable ? '' : ' NOT NULL'} given ${String(v)}\n${context}\n${text}`;
                expect(generatedColumn.safeParse(v).success, `generated: ${label}`).toBe(false);
                expect(sourceField.safeParse(v).success, `source: ${label}`).toBe(false);
                wrongChecked += 1;
              }
            }
          } finally {
            await warehouse.exec(`DROP TABLE ${quoteIdent(name)}`);
            for (const e of result.plan.enums) await warehouse.exec(`DROP TYPE ${quoteIdent(e.name)}`);
          }
        },
      ),
      { numRuns: 50 },
    );
    // Both halves of the property were exercised.
    expect(rowsRead).toBeGreaterThan(40);
    expect(wrongChecked).toBeGreaterThan(80);
  }, 120_000);
});
