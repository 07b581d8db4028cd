// lib/parquet/write.ts where workerd runs it: `wrangler dev` (unlike the vitest pool, which allows eval) refuses
// code generation from strings, so the writer runs here in a Node started with the same refusal.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'living-schema-parquet-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` as an ES module in `node --disallow-code-generation-from-strings`, from the repository. */
function runRefusingEval(body: string): { status: number | null; out: string } {
  const run = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', body],
    {
      cwd: REPO,
      encoding: 'utf8',
    },
  );
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('writeParquetFile', () => {
  it('refusing code generation from strings is what this Node does, as workerd under wrangler dev', () => {
    const { status, out } = runRefusingEval('new Function("return 1")();');
    expect(status).toBe(1);
    expect(out).toContain('Code generation from strings disallowed for this context');
  });

  it('writes text, integers with nulls and UTC timestamps without generating code, and DuckDB reads them back', async () => {
    const file = join(dir, 'annotations.parquet');
    const { status, out } = runRefusingEval(`
      import { writeFileSync } from 'node:fs';
      import { writeParquetFile } from './lib/parquet/write.ts';
      import { initParquetWasmForNode } from './test/support/parquet-wasm.ts';
      initParquetWasmForNode();
      const bytes = writeParquetFile(
        [
          { name: 'entity_type', type: 'utf8', values: ['VESSEL_NAME', null, '', 'MSC Gülsün 🇲🇹'] },
          { name: 'start', type: 'int32', values: [0, null, -1, 2147483647] },
          { name: 'annotated_at', type: 'timestamp_us_utc', values: [0n, 1n, 1727360002206179n, -1n] },
        ],
        { schema_version: 'test/1' },
        3,
      );
      writeFileSync(${JSON.stringify(file)}, bytes);
    `);
    expect(out).toBe('');
    expect(status).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const rows = (
        await conn.runAndReadAll(
          `SELECT entity_type, "start", strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS at
           FROM read_parquet('${file}')`,
        )
      ).getRowObjectsJS();
      expect(rows).toEqual([
        { entity_type: 'VESSEL_NAME', start: 0, at: '1970-01-01T00:00:00.000000' },
        { entity_type: null, start: null, at: '1970-01-01T00:00:00.000001' },
        { entity_type: '', start: -1, at: '2024-09-26T14:13:22.206179' },
        { entity_type: 'MSC Gülsün 🇲🇹', start: 2147483647, at: '1969-12-31T23:59:59.999999' },
      ]);
      const meta = (
        await conn.runAndReadAll(
          `SELECT count(*)::INT AS row_groups FROM parquet_metadata('${file}') WHERE path_in_schema = 'start'`,
        )
      ).getRowObjectsJS();
      expect(meta).toEqual([{ row_groups: 2 }]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
