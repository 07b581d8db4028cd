// `npm run schema -- ddl --from-zod` as a user runs it: the real CLI in a child process, printing DDL, refusing
// constructs, and deploying to a database on the shared embedded warehouse in one transaction.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { databaseUrl, uniqueDatabase } from '../support/databases.ts';
import { runCliStreams } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const MODELS = join(REPO, 'test/node/fixtures/ddl/models.ts');
const cwd = mkdtempSync(join(tmpdir(), 'toolkit-ddl-cwd-'));
const open: Warehouse[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node tools/cli/schema.ts ddl ...args` with WAREHOUSE_URL, from a folder without .dev.vars. */
function ddl(
  args: readonly string[],
  url = 'postgres://postgres:unused-token-0000000000@127.0.0.1:9/none',
): Promise<Run> {
  return runCliStreams('schema.ts', ['ddl', ...args], { cwd, env: { ...process.env, WAREHOUSE_URL: url } });
}

function freshDatabase(): { url: string; warehouse: Warehouse } {
  const url = databaseUrl(uniqueDatabase('toolkit_ddl_cli'));
  const warehouse = createPostgresWarehouse(url, { max: 1 });
  open.push(warehouse);
  return { url, warehouse };
}

const catalog = async (warehouse: Warehouse) => ({
  tables: (
    await warehouse.query<{ table_name: string }>(
      `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name`,
    )
  ).map((t) => t.table_name),
  types: (
    await warehouse.query<{ type_name: string }>(
      `SELECT type_name FROM duckdb_types() WHERE database_name = current_database() AND logical_type = 'ENUM' AND NOT internal`,
    )
  ).map((t) => t.type_name),
});

describe('npm run schema -- ddl --from-zod', () => {
  it('prints the DDL of the exports, referenced tables first, with exit 0, and as JSON', async () => {
    const run = await ddl(['--from-zod', `${MODELS}#VesselCall,Port`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`CREATE TYPE "port_kind" AS ENUM ('sea', 'river');

CREATE TABLE "port" (
  "code" VARCHAR NOT NULL CHECK (length("code") = 5),
  "name" VARCHAR NOT NULL CHECK (length("name") >= 1),
  "kind" "port_kind" NOT NULL DEFAULT 'sea',
  PRIMARY KEY ("code")
);

CREATE TABLE "vessel_call" (
  "id" UUID NOT NULL CHECK (regexp_full_match(CAST("id" AS VARCHAR), '(?s:.*)(?:^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$)(?s:.*)')),
  "port" VARCHAR NOT NULL,
  "arrivedAt" TIMESTAMPTZ NOT NULL,
  "tags" VARCHAR[] CHECK (len("tags") = list_count("tags")),
  PRIMARY KEY ("id"),
  FOREIGN KEY ("port") REFERENCES "port" ("code")
);

CREATE INDEX "vessel_call_port_idx" ON "vessel_call" ("port");
`);
    const json = await ddl(['--from-zod', `${MODELS}#VesselCall,Port`, '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ ok: true, tables: ['port', 'vessel_call'], enums: ['port_kind'], deployed: false });
    expect(doc.statements).toHaveLength(4);
  });

  it('exits 1 and lists every refused field, not just the first', async () => {
    const run = await ddl(['--from-zod', `${MODELS}#Port,Broken`]);
    expect(run.code).toBe(1);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'refused: broken.shout: z.transform has no SQL equivalent',
      'refused: broken.tags[].code: .refine()/.superRefine() has no SQL equivalent (a refinement with code)',
      'refused: broken.anything: z.any has no SQL equivalent (use z.json() for a JSON column)',
      '3 constructs with no SQL equivalent',
    ]);
    const doc = JSON.parse((await ddl(['--from-zod', `${MODELS}#Broken`, '--json'])).stdout);
    expect(doc.ok).toBe(false);
    expect(doc.refusals.map((r: { path: string }) => r.path)).toEqual([
      'broken.shout',
      'broken.tags[].code',
      'broken.anything',
    ]);
  });

  it.each([
    [[], 'error: ddl needs --from-zod <module>#<export>[,<export>...]'],
    [['--from-zod', MODELS], `error: --from-zod ${MODELS}: expected <module>#<export>[,<export>...]`],
    [['--from-zod', 'nowhere.ts#A'], 'error: --from-zod: no module at nowhere.ts'],
    [['--from-zod', `${MODELS}#Port,Nope`], `error: --from-zod: ${MODELS} has no export Nope`],
    [['--from-zod', `${MODELS}#notASchema`], 'error: --from-zod: the export notASchema is not a zod schema'],
  ])('exits 2 with one line for a usage mistake: %j', async (args, message) => {
    const run = await ddl(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd()).toBe(message);
  });

  it('exits 2 with one line and no stack when --deploy cannot reach the warehouse', async () => {
    const run = await ddl(['--from-zod', `${MODELS}#Port`, '--deploy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: cannot reach the warehouse at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:9\/none/,
    );
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('npm run schema -- ddl --from-zod --deploy', () => {
  it('creates every table and type in the warehouse and verifies them', async () => {
    const { url, warehouse } = freshDatabase();
    const run = await ddl(['--from-zod', `${MODELS}#Port,VesselCall`, '--deploy'], url);
    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(
      /^-- deployed to postgres:\/\/postgres:\*\*\*@.*: 2 tables, verified$/,
    );
    expect(await catalog(warehouse)).toEqual({ tables: ['port', 'vessel_call'], types: ['port_kind'] });
    await warehouse.exec(`INSERT INTO port (code, name) VALUES ('NLRTM', 'Rotterdam')`);
    expect(await warehouse.query(`SELECT CAST(kind AS VARCHAR) AS kind FROM port`)).toEqual([{ kind: 'sea' }]);
  });

  it('is atomic: when the second table cannot be created, nothing is left behind', async () => {
    const { url, warehouse } = freshDatabase();
    await warehouse.exec('CREATE TABLE existing (x INTEGER)');
    const run = await ddl(['--from-zod', `${MODELS}#Port,Existing`, '--deploy', '--json'], url);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ ok: false, deployed: false, tables: ['port', 'existing'] });
    expect(doc.problems[0]).toMatch(
      /^deploy failed and was rolled back, nothing was created: .*existing.*already exists/,
    );
    expect(await catalog(warehouse)).toEqual({ tables: ['existing'], types: [] });
  });

  it('reports in --json what it deployed', async () => {
    const { url } = freshDatabase();
    const run = await ddl(['--from-zod', `${MODELS}#Port`, '--deploy', '--json'], url);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, deployed: true, tables: ['port'], problems: [] });
  });
});
