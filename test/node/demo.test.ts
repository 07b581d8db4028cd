// `npm run demo` end to end against a scratch `npm start`: a first run leaves open conflicts, two or more
// schema versions and a report whose result changed; a second run is a no-op; --reset starts over and ends
// in the same state.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCorpus } from '../../tools/demo/corpus.ts';
import type { DemoFacts, DemoRun } from '../../tools/demo/run.ts';
import { REPORT_NAME } from '../../tools/demo/run.ts';
import { initParquetWasmInNode } from '../../tools/local/parquet-wasm.ts';
import { freePort } from '../../tools/local/ports.ts';
import { type ScratchStack, startScratchStack } from '../../tools/local/scratch-stack.ts';
import { runCli, runCliStreams } from '../support/run-cli.ts';

const DEMO_MS = 240_000;
let stack: ScratchStack;
const empty = mkdtempSync(join(tmpdir(), 'living-schema-demo-nostack-'));

beforeAll(async () => {
  stack = await startScratchStack();
}, 200_000);

afterAll(async () => {
  await stack?.close();
  rmSync(empty, { recursive: true, force: true });
});

const env = () => {
  const { WORKER_PORT: _w, LIVING_SCHEMA_DATA_DIR: _d, ...rest } = process.env;
  return rest;
};
/** The demo's current rows when the stack holds exactly one seed's corpus: every file, every span of every response. */
function expectedTables(seed: number) {
  initParquetWasmInNode();
  const corpus = buildCorpus(seed);
  const files = [...corpus.files[1], ...corpus.files[2]];
  const rows = (bucket: string) => files.filter((f) => f.bucket === bucket).reduce((n, f) => n + f.rows, 0);
  const spans = corpus.pages.reduce((n, p) => n + p.responses.reduce((m, r) => m + r.spans.length, 0), 0);
  return [
    { table: 'structured_data', rows: rows('vessel-csv') },
    { table: 'raw_documents', rows: rows('vessel-ocr') },
    { table: 'annotations', rows: spans },
  ];
}

const json = async <T>(path: string): Promise<T> => (await (await fetch(`${stack.base}${path}`)).json()) as T;

async function demoJson(args: readonly string[]): Promise<{ run: DemoRun; facts: DemoFacts; stderr: string }> {
  const { code, stdout, stderr } = await runCliStreams('demo.ts', [...args, '--json'], { cwd: stack.dir, env: env() });
  expect(code, `${stderr}\n${stack.output().slice(-3000)}`).toBe(0);
  return { ...(JSON.parse(stdout) as { run: DemoRun; facts: DemoFacts }), stderr };
}

describe('npm run demo', () => {
  it('says to start the stack when there is none', async () => {
    const none = await runCli('demo.ts', [], { cwd: empty, env: env() });
    expect(none.code).toBe(1);
    expect(none.out).toContain('start the stack with `npm start` in another terminal');
    writeFileSync(
      join(empty, '.dev.vars'),
      `API_TOKEN=t\nWAREHOUSE_URL=postgres://p:t@127.0.0.1:1/x\nPUBLIC_URL=http://127.0.0.1:${await freePort()}\n`,
    );
    const down = await runCli('demo.ts', [], { cwd: empty, env: env() });
    expect(down.code).toBe(1);
    expect(down.out).toMatch(
      /cannot reach the main Worker at http:\/\/127\.0\.0\.1:\d+: start the stack with `npm start`/,
    );
  });

  let first: DemoFacts;
  it(
    'loads two months and ends with open conflicts, two or more schema versions and a report that changed',
    async () => {
      const { code, stdout, stderr } = await runCliStreams('demo.ts', [], { cwd: stack.dir, env: env() });
      expect(code, `${stderr}\n${stack.output().slice(-3000)}`).toBe(0);
      expect(stderr).toContain('[demo] month 1 (2026-10): uploading 7 files…');
      for (const heading of [
        'Rows loaded',
        'Catalog (schema v',
        'Conflicts to review',
        'Slack digest',
        'Schema versions',
        `Report "${REPORT_NAME}"`,
      ])
        expect(stdout).toContain(heading);
      expect(stdout).toContain('vessel_nme ~ vessel_name  (field of port_calls');
      expect(stdout).toMatch(/run 2: changed: yes \(/);
      expect(stdout).toContain(`Console: ${stack.base}/`);

      // The facts, from the API itself.
      const open = await json<{ total: number; conflicts: { newName: string; existingName: string }[] }>(
        '/api/conflicts?status=open&limit=1000',
      );
      expect(open.total).toBeGreaterThanOrEqual(1);
      expect(open.conflicts.map((c) => `${c.newName} ~ ${c.existingName}`)).toContain('vessel_nme ~ vessel_name');
      const versions = await json<{ total: number }>('/api/schema/versions');
      expect(versions.total).toBeGreaterThanOrEqual(2);
      const reports = await json<{ reports: { id: string; name: string }[] }>('/api/reports');
      const report = reports.reports.find((r) => r.name === REPORT_NAME);
      expect(report).toBeDefined();
      const detail = await json<{ changed: boolean; why: { summary: string } }>(`/api/reports/${report?.id}`);
      expect(detail.changed).toBe(true);
      expect(detail.why.summary).toMatch(/row/);
    },
    DEMO_MS,
  );

  it(
    'is a no-op run again: every file a duplicate, nothing synced, the report unchanged',
    async () => {
      const { run, facts } = await demoJson([]);
      expect(run.months.flatMap((m) => m.files.map((f) => f.status))).toEqual(Array(14).fill('ignored'));
      expect(run.months[0]?.annotations).toBeNull();
      expect(run.months[1]?.annotations?.files).toBe(0);
      expect(run.report.created).toBe(false);
      expect(facts.report.runs[0]?.changed).toBe(false);
      expect(facts.report.lastChange?.changed).toBe(true);
      expect(facts.tables).toEqual(expectedTables(19));
      first = facts;
    },
    DEMO_MS,
  );

  it(
    'starts over with --reset and ends in the same state',
    async () => {
      const { run, facts, stderr } = await demoJson(['--reset']);
      expect(stderr).toContain(`[demo] reset: deleted the report "${REPORT_NAME}"`);
      expect(run.reset?.reportDeleted).toBe(true);
      expect(run.reset?.annotationsClosed).toBeGreaterThan(0);
      expect(run.report.created).toBe(true);
      expect(run.months.flatMap((m) => m.files.map((f) => f.status))).toEqual(Array(14).fill('loaded'));
      expect(run.months[0]?.annotations?.files).toBeGreaterThan(0);
      expect(facts.tables).toEqual(first.tables);
      expect(facts.report.runs.map((r) => [r.run, r.changed])).toEqual([
        [2, true],
        [1, null],
      ]);
      expect((facts.report.diff?.counts.added ?? 0) + (facts.report.diff?.counts.changed ?? 0)).toBeGreaterThan(0);
      expect(facts.openConflicts).toBe(first.openConflicts);
      expect(facts.versionsTotal).toBeGreaterThan(first.versionsTotal);
    },
    DEMO_MS,
  );

  it(
    "replaces one seed by another: the current rows are the new seed's alone, and the report changes",
    async () => {
      const { run, facts } = await demoJson(['--seed', '7']);
      expect(run.seed).toBe(7);
      expect(run.months.flatMap((m) => m.files.map((f) => f.status))).toEqual(Array(14).fill('loaded'));
      expect(facts.tables).toEqual(expectedTables(7));
      expect(facts.tables).not.toEqual(expectedTables(19));
      expect(facts.report.runs[0]?.changed).toBe(true);
    },
    DEMO_MS,
  );
});
