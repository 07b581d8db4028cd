// The property behind ddl --from-zod: for random zod object schemas over the supported constructs, the table
// its DDL creates on the embedded warehouse accepts exactly the rows the zod schema accepts, row by row. Values
// come from broad arbitraries (valid and invalid alike) and zod itself is the oracle.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ddlFromZod } from '../../lib/toolkit/from-zod.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { quoteIdent } from '../../lib/warehouse/sql.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';
import { type FieldGen, field } from '../support/zod-fields.ts';

const warehouse: Warehouse = createPostgresWarehouse(databaseUrl(uniqueDatabase('toolkit_ddl_prop')), { max: 1 });
afterAll(() => warehouse.close());

let tableCounter = 0;

describe('ddl --from-zod, as a property', () => {
  it('creates tables that accept exactly the rows their zod schema accepts', async () => {
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(
        fc
          .array(field, { minLength: 1, maxLength: 4 })
          .chain((fields) =>
            fc.tuple(
              fc.constant(fields),
              fc.array(fc.tuple(...fields.map((f) => f.value)), { minLength: 12, maxLength: 12 }),
            ),
          ),
        async ([fields, rows]) => {
          tableCounter += 1;
          const name = `prop_${tableCounter}`;
          const schema = z.object(Object.fromEntries(fields.map((f, i) => [`f${i}`, f.schema])));
          const result = ddlFromZod([{ exportName: name, schema }]);
          if (!result.ok) throw new Error(result.refusals.map((r) => r.message).join('\n'));
          for (const statement of result.plan.statements) await warehouse.exec(statement);
          try {
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
              const zodOk = schema.safeParse(row).success;
              const dbError = await warehouse.exec(insert).then(
                () => null,
                (error: Error) => error.message,
              );
              // A refusal must come from the table's rules, not from a malformed statement in this test.
              if (dbError !== null)
                expect(dbError, insert).toMatch(/Constraint Error|Conversion Error|Invalid Input Error|out of range/);
              expect(
                { accepted: dbError === null, insert, error: dbError },
                `${insert}\n${fields.map((f) => f.label).join(' | ')}\n${result.plan.statements.join(';\n')}`,
              ).toMatchObject({ accepted: zodOk });
              if (zodOk) accepted += 1;
              else rejected += 1;
            }
          } finally {
            await warehouse.exec(`DROP TABLE ${quoteIdent(name)}`);
            for (const e of result.plan.enums) await warehouse.exec(`DROP TYPE ${quoteIdent(e.name)}`);
          }
        },
      ),
      { numRuns: 100 },
    );
    // Both sides of the property were exercised.
    expect(accepted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  }, 240_000);
});
