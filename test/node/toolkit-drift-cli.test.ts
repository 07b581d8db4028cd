// `npm run schema -- drift` as a user runs it: a spawned process with WAREHOUSE_URL, its output, its --json
// document and its exit codes (0 no drift, 1 drift, 2 usage or connection error).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

const run = promisify(execFile);
const open: Warehouse[] = [];
afterAll(async () => {
  await Promise.all(open.map((w) => w.close()));
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const drift = (url: string, ...args: string[]): Promise<Outcome> =>
  run(process.execPath, ['tools/cli/schema.ts', 'drift', ...args], {
    env: { ...process.env, WAREHOUSE_URL: url },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

async function database(): Promise<{ url: string; warehouse: Warehouse }> {
  const db = await migratedDatabase('toolkit_drift_cli');
  open.push(db.warehouse);
  return db;
}

describe('npm run schema -- drift', () => {
  it('exits 0 on a freshly migrated database, saying there is no drift', async () => {
    const { url } = await database();
    const out = await drift(url);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^no drift: \d+ tables, \d+ views and 0 types match \d+ migrations\n$/);
    const json = await drift(url, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      drift: false,
      summary: {
        differences: 0,
        objects: 0,
        notInPlace: 0,
        tables: expect.any(Number),
        views: expect.any(Number),
        enums: 0,
      },
      differences: [],
      snapshot: null,
      notes: [],
    });
  });

  it('exits 1 on drift, printing each difference under its table with the SQL that reconciles it', async () => {
    const { url, warehouse } = await database();
    await warehouse.exec(`ALTER TABLE raw_documents ADD COLUMN reviewer VARCHAR; DROP TABLE discovery_lock;`);
    const out = await drift(url);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(
      [
        'table discovery_lock',
        '  missing_table: table discovery_lock is missing',
        '    CREATE TABLE "discovery_lock" (',
      ].join('\n'),
    );
    expect(out.stdout).toContain(
      [
        'table raw_documents',
        '  extra_column: column raw_documents.reviewer is not in the migrations',
        '    ALTER TABLE "raw_documents" DROP COLUMN "reviewer";',
      ].join('\n'),
    );
    expect(out.stdout).toMatch(/\ndrift: 2 differences in 2 objects against \d+ migrations\n$/);

    const json = await drift(url, '--json');
    expect(json.code).toBe(1);
    const document = JSON.parse(json.stdout);
    expect(document.drift).toBe(true);
    expect(document.summary).toMatchObject({ differences: 2, objects: 2, notInPlace: 0, enums: 0 });
    expect(document.differences[1]).toEqual({
      kind: 'extra_column',
      table: 'raw_documents',
      column: 'reviewer',
      message: 'column raw_documents.reviewer is not in the migrations',
      sql: ['ALTER TABLE "raw_documents" DROP COLUMN "reviewer"'],
      inPlace: true,
    });
  });

  it('exits 2 on a warehouse it cannot reach, an unknown option or a missing migrations folder', async () => {
    const unreachable = await drift('postgres://postgres:token-000000000000000000@127.0.0.1:1/nothing', '--json');
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stdout).error).toMatch(/^cannot reach the warehouse/);
    const { url } = await database();
    const unknown = await drift(url, '--frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option --frobnicate');
    const missing = await drift(url, '--dir', '/nonexistent/migrations');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error: cannot read the migrations in /nonexistent/migrations');
  });
});
