import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { insertSnapshot } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import { introspect } from '../../lib/toolkit/introspect.ts';
import { rowModelProblems } from '../../lib/toolkit/row-conformance.ts';
import { ROW_MODELS } from '../../lib/toolkit/row-models.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { withScratchWarehouse } from '../../tools/toolkit/reference.ts';
import { relationColumns, statementProblems } from '../../tools/toolkit/sql-scan.ts';
import { migratedDatabase } from '../support/databases.ts';
import { runCliStreams } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** `node tools/cli/schema.ts ...args` as a user runs it, from a folder without .dev.vars. */
function schemaCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCliStreams('schema.ts', args, { cwd: scratch, env: { PATH: process.env.PATH, ...env } });
}

let scratch: string;
let db: { url: string; warehouse: Warehouse };
beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'toolkit-check-'));
  db = await migratedDatabase('toolkit_cli');
});
afterAll(async () => {
  await db.warehouse.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('npm run schema -- check', () => {
  it('passes on the repository as it is', async () => {
    const { code, stdout } = await schemaCli(['check']);
    expect(stdout).toMatch(/^ok: \d+ row schemas, SQL in \d+ files, \d+ SELECT literals, \d+ checked, \d+ skipped/m);
    expect(code).toBe(0);
  }, 60_000);

  it('finds the misspelled column, the unknown table and the wrong qualified column of the fixture, with file and line', async () => {
    const { code, stdout } = await schemaCli(['check', '--paths', 'test/fixtures/toolkit', '--skip-generated']);
    expect(stdout.split('\n').filter((l) => l.startsWith('test/'))).toEqual([
      'test/fixtures/toolkit/misspelled.ts:10: unknown column anotated_at',
      'test/fixtures/toolkit/misspelled.ts:22: unknown table entity_typez',
      'test/fixtures/toolkit/misspelled.ts:23: unknown column t.nmae',
    ]);
    expect(stdout).toMatch(/^3 problems: \d+ row schemas, SQL in 1 files, 4 SELECT literals, 4 checked, 0 skipped/m);
    expect(code).toBe(1);
  }, 60_000);

  it('reports a stale and a missing generated file by name, with the command that refreshes them (--json)', async () => {
    const dir = join(scratch, 'generated');
    cpSync(join(REPO, 'schema/generated'), dir, { recursive: true });
    writeFileSync(join(dir, 'schema.md'), `${readFileSync(join(dir, 'schema.md'), 'utf8')}\nedited by hand\n`);
    rmSync(join(dir, 'schema.mmd'));
    const { code, stdout } = await schemaCli(['check', '--generated', dir, '--paths', 'lib/toolkit', '--json']);
    const report = JSON.parse(stdout);
    expect(report.problems).toEqual([
      {
        check: 'generated',
        file: join(dir, 'schema.md'),
        line: null,
        message: 'stale: run `npm run schema -- generate --all` and commit the result',
      },
      {
        check: 'generated',
        file: join(dir, 'schema.mmd'),
        line: null,
        message: 'missing: run `npm run schema -- generate --all` and commit the result',
      },
    ]);
    expect(report.ok).toBe(false);
    expect(code).toBe(1);
  }, 60_000);

  it('refuses a path that is not there (exit 2)', async () => {
    const { code, stderr } = await schemaCli(['check', '--paths', 'no/such/folder']);
    expect(stderr).toContain('error: --paths: no no/such/folder');
    expect(code).toBe(2);
  });
});

describe('the SQL scan', () => {
  it('does not report aliases, CTEs, lambdas, struct fields, outer columns, subqueries or table functions, and reports the rest', async () => {
    const statements: [string, string[]][] = [
      ['SELECT a.record_id AS r, r FROM annotations a ORDER BY r', []],
      ['WITH c AS (SELECT 1 AS n) SELECT n, c.n FROM c', []],
      ['SELECT list_transform([1], x -> x + 1) AS l, lambda y: y FROM annotations', []],
      [
        'SELECT document_id FROM raw_documents d WHERE EXISTS (SELECT 1 FROM annotations WHERE document_id = d.document_id AND d.page > 0)',
        [],
      ],
      ['SELECT q.anything, g.range FROM (SELECT 1 AS anything) q, range(3) g', []],
      ['SELECT t.metadata.key FROM raw_documents t', []],
      ['SELECT x.main.annotations.text FROM x.main.annotations', []],
      ['SELECT text FROM annotations_current', []],
      ['SELECT nope FROM raw_documents, annotations', ['unknown column nope']],
      ['SELECT d.nope FROM raw_documents d', ['unknown column d.nope']],
      ['SELECT 1 FROM raw_documents WHERE page IN (SELECT pages FROM annotations)', ['unknown column pages']],
      ['SELECT 1 FROM raw_document', ['unknown table raw_document']],
    ];
    await withScratchWarehouse(async (scratchDb) => {
      const relations = relationColumns(await introspect(db.warehouse));
      for (const [sql, expected] of statements) {
        const [row] = await scratchDb.query<{ tree: unknown }>('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql]);
        const found: string[] = [];
        statementProblems(row?.tree, relations, (_, message) => found.push(message));
        expect(found, sql).toEqual(expected);
      }
    });
  });
});

describe('the row schemas of lib/', () => {
  it('match their tables, and a wrong one is reported column by column', async () => {
    const model = await introspect(db.warehouse);
    expect(rowModelProblems(ROW_MODELS, model)).toEqual([]);
    const ingestLog = ROW_MODELS.find((m) => m.table === 'ingest_log');
    if (!ingestLog) throw new Error('no ingest_log row model');
    const wrong = [
      // Without the SELECT's ::DOUBLE casts, postgres.js sends BIGINT as text, which z.number() refuses.
      { ...ingestLog, casts: {} },
      {
        name: 'Heads',
        module: 'x.ts',
        table: 'ingest_heads',
        covers: 'all' as const,
        schema: z.object({
          bucket: z.string(),
          key: z.number(),
          etag: z.string(),
          event_time: z.string(),
          load_idd: z.string(),
        }),
      },
      {
        name: 'Runs',
        module: 'y.ts',
        table: 'report_runs',
        covers: ['id', 'duration_ms'],
        schema: z.object({ id: z.string(), duration_ms: z.number(), computed: z.boolean() }),
      },
      { name: 'Gone', module: 'z.ts', table: 'no_such_table', covers: 'all' as const, schema: z.object({}) },
    ];
    expect(rowModelProblems(wrong, model).map((p) => `${p.module}: ${p.message}`)).toEqual([
      "lib/ingest/ingest-log.ts: column ingest_log.rows is BIGINT: IngestLogRow's number does not take what the warehouse sends",
      "lib/ingest/ingest-log.ts: column ingest_log.bytes is BIGINT: IngestLogRow's number does not take what the warehouse sends",
      "x.ts: column ingest_heads.key is VARCHAR: Heads's number does not take what the warehouse sends",
      "x.ts: column ingest_heads.event_time is TIMESTAMP WITH TIME ZONE: Heads's string does not take what the warehouse sends",
      'x.ts: column ingest_heads.load_idd of Heads is missing in the database',
      'x.ts: column ingest_heads.load_id is missing in Heads, which claims every column',
      'y.ts: column report_runs.duration_ms is nullable but Runs refuses null',
      'z.ts: table no_such_table of Gone is missing in the database',
    ]);
  });
});

describe('npm run schema -- generate', () => {
  it('prints the live database as zod on stdout (--from db), and writes a file with --out', async () => {
    const env = { WAREHOUSE_URL: db.url };
    const printed = await schemaCli(['generate', 'zod', '--from', 'db'], env);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(
      /^\/\/ Generated by `npm run schema -- generate zod` from the database at WAREHOUSE_URL;/,
    );
    expect(printed.stdout).toContain('export const RawDocumentsRow = z.object({');
    const out = join(scratch, 'out/schema.md');
    const written = await schemaCli(['generate', 'markdown', '--from', 'db', '--out', out], env);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`wrote ${out}`);
    expect(readFileSync(out, 'utf8')).toContain('## Table raw_documents');
  }, 60_000);

  it('renders the migrations up to a number, and --all writes every format', async () => {
    const early = await schemaCli(['generate', 'mermaid', '--from', 'migration:0001']);
    expect(early.code).toBe(0);
    expect(early.stdout).toContain('from the migrations up to 0001_core.sql');
    expect(early.stdout).toContain('  raw_documents {');
    expect(early.stdout).not.toContain('entity_types {');
    const dir = join(scratch, 'all');
    const all = await schemaCli(['generate', '--all', '--out', dir, '--json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout).written.map((w: { file: string }) => w.file)).toEqual(
      ['zod.ts', 'types.ts', 'schema.md', 'schema.mmd', 'schema.json'].map((f) => join(dir, f)),
    );
    for (const f of ['zod.ts', 'schema.json'])
      expect(readFileSync(join(dir, f), 'utf8')).toBe(readFileSync(join(REPO, 'schema/generated', f), 'utf8'));
  }, 60_000);

  it('renders the typed views a snapshot of the live database stands for (--from snapshot:N)', async () => {
    await insertSnapshot(db.warehouse, {
      version: 1,
      semver: '1.0.0',
      bump: 'minor',
      publishedAt: new Date('2026-01-02T03:04:05Z'),
      catalog: {
        entityTypes: [{ name: 'VESSEL_NAME', status: 'active', description: null, mergedInto: null }],
        fields: [
          {
            source: 'manifests',
            name: 'gross_tonnage',
            kind: 'structured',
            type: 'bigint',
            status: 'active',
            description: null,
            mergedInto: null,
          },
        ],
      },
      diff: [],
      contentHash: 'h1',
      previousHash: null,
      runId: null,
      stats: null,
      views: null,
    });
    const { code, stdout } = await schemaCli(['generate', 'markdown', '--from', 'snapshot:1'], {
      WAREHOUSE_URL: db.url,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('from the typed views of schema snapshot 1 (1.0.0)');
    expect(stdout).toContain('- Tables (0): none');
    expect(stdout).toContain('## View src_manifests');
    expect(stdout).toMatch(/^\| gross_tonnage \| BIGINT \| yes \|/m);
    expect(stdout).toContain('## View annotations_current');
  }, 60_000);

  it('exits 2 for a wrong format, a wrong --from, a missing snapshot and an unreachable warehouse', async () => {
    const format = await schemaCli(['generate', 'yaml']);
    expect(format.stderr).toContain("error: unknown format 'yaml'");
    expect(format.code).toBe(2);
    const from = await schemaCli(['generate', 'zod', '--from', 'yesterday']);
    expect(from.stderr).toContain('--from yesterday: use db, snapshot:N or migration:NNNN');
    expect(from.code).toBe(2);
    const snapshot = await schemaCli(['generate', 'zod', '--from', 'snapshot:7'], { WAREHOUSE_URL: db.url });
    expect(snapshot.stderr).toContain('schema_snapshots has no version 7');
    expect(snapshot.code).toBe(2);
    const down = await schemaCli(['generate', 'zod', '--from', 'db'], {
      WAREHOUSE_URL: 'postgres://postgres:token@127.0.0.1:1/db',
    });
    expect(down.stderr).toContain('error: cannot reach the warehouse');
    expect(down.code).toBe(2);
  }, 60_000);
});
