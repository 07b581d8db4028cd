// The demo's flow against a running `npm start`: month 1 (files, annotations through a demo-owned Argilla
// stand-in and the backfill, discovery, the saved report), month 2 (changed files, new annotations,
// discovery again, the report refreshed), then everything the summary prints, read back over the HTTP API.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { parseArgillaDatasets } from '../../lib/argilla/config.ts';
import { ConflictReason } from '../../lib/discovery/conflicts.ts';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/log.ts';
import { SchemaDocument } from '../../lib/schema/document.ts';
import { createPostgresWarehouse } from '../../lib/warehouse/postgres.ts';
import { type BackfillResult, runBackfill } from '../argilla/backfill.ts';
import { localStackTarget } from '../argilla/backfill-targets.ts';
import type { Fixture } from '../argilla-standin/fixture.ts';
import { startArgillaStandin } from '../argilla-standin/server.ts';
import { datasetsVar, standinDatasets } from '../local/argilla-standin.ts';
import type { LocalConfig } from '../local/config.ts';
import { parseDevVars } from '../local/dev-vars.ts';
import { type Ingestion, localWorkerUrl, putLocalObject, waitForIngestions } from '../local/upload.ts';
import { argillaFixture, type DemoCorpus, type DemoFile, MONTH_LABEL, type Month } from './corpus.ts';

/** The demo's own report: created in month 1, refreshed in month 2, deleted and re-created by --reset. */
export const REPORT_NAME = 'demo: port calls per flag';
export const REPORT_SQL = `SELECT coalesce(data->>'flag_state', data->>'flag') AS flag, count(*) AS port_calls,
  count(DISTINCT data->>'imo_number') AS vessels
FROM structured_data WHERE source = 'port_calls' GROUP BY 1 ORDER BY 1`;

/** An expected failure, said in one line (the CLI prints it and exits 1). */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

export interface Stack {
  readonly base: string;
  readonly token: string;
  readonly warehouseUrl: string;
  readonly r2Directories: Readonly<Record<string, string>>;
  readonly slackFile: string;
}

const START_HINT = 'start the stack with `npm start` in another terminal (and wait for `[start] ready:`)';

/** The running stack of `npm start`, or a DemoError saying how to start it. */
export async function findStack(config: LocalConfig): Promise<Stack> {
  if (!existsSync(config.devVarsPath)) throw new DemoError(`${config.devVarsPath} not found: ${START_HINT}`);
  const vars = parseDevVars(readFileSync(config.devVarsPath, 'utf8'));
  const token = vars.API_TOKEN;
  const warehouseUrl = vars.WAREHOUSE_URL;
  if (!token || !warehouseUrl) throw new DemoError(`API_TOKEN or WAREHOUSE_URL missing from .dev.vars: ${START_HINT}`);
  const base = localWorkerUrl(config, vars);
  const health = await fetch(`${base}/health`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  if (!health) throw new DemoError(`cannot reach the main Worker at ${base}: ${START_HINT}`);
  if (health.status !== 200)
    throw new DemoError(
      `the main Worker at ${base} is not healthy (${health.status} ${await health.text()}): ${START_HINT}`,
    );
  return { base, token, warehouseUrl, r2Directories: config.r2Directories, slackFile: config.slackFile };
}

async function api<T>(stack: Stack, schema: z.ZodType<T>, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${stack.base}${path}`, {
    ...init,
    headers: {
      // Reads too: a stack with READ_AUTH=token wants it on every request.
      authorization: `Bearer ${stack.token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  }).catch((error: unknown) => {
    throw new DemoError(`${init.method ?? 'GET'} ${path}: the Worker did not answer (${errorMessage(error)})`);
  });
  const text = await res.text();
  if (!res.ok) throw new DemoError(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  const parsed = schema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new DemoError(`${path} answered an unexpected shape: ${parsed.error.message.slice(0, 300)}`);
  return parsed.data;
}

// ---- uploads -----------------------------------------------------------------------------------------

export interface FileOutcome {
  readonly bucket: string;
  readonly key: string;
  /** loaded, ignored (the same bytes are already the key's current version), failed, or none (no verdict). */
  readonly status: string;
  readonly rows: number;
  readonly target: string | null;
  readonly detail: string | null;
}

/** Puts each file into the stack as `npm run upload` does and waits for every verdict. */
export async function uploadFiles(
  stack: Stack,
  files: readonly { bucket: string; key: string; body: Uint8Array }[],
  say: (line: string) => void,
): Promise<FileOutcome[]> {
  const outcomes: FileOutcome[] = [];
  for (const bucket of [...new Set(files.map((f) => f.bucket))]) {
    const mine = files.filter((f) => f.bucket === bucket);
    const uploads = [];
    for (const f of mine) uploads.push(await putLocalObject(stack, { bucket, key: f.key, body: f.body }));
    let done = 0;
    const waited = await waitForIngestions(uploads, {
      base: stack.base,
      bucket,
      token: stack.token,
      onVerdict: () => {
        done += 1;
        if (done === mine.length || done % 5 === 0) say(`  ${bucket}: ${done}/${mine.length} settled`);
      },
    });
    for (const f of mine) {
      const row: Ingestion | undefined = waited.verdicts.get(f.key);
      outcomes.push({
        bucket,
        key: f.key,
        status: row?.status ?? 'none',
        rows: row?.status === 'loaded' ? (row.rows ?? 0) : 0,
        target: row?.target ?? null,
        detail: row?.error ?? (row ? null : 'no verdict within 120 s without news'),
      });
    }
  }
  const failed = outcomes.filter((o) => o.status === 'failed' || o.status === 'none');
  if (failed.length > 0)
    throw new DemoError(
      `files not loaded: ${failed.map((f) => `${f.bucket}/${f.key}: ${f.status} ${f.detail ?? ''}`).join('; ')}`,
    );
  return outcomes;
}

// ---- annotations ----------------------------------------------------------------------------------------

export interface AnnotationOutcome {
  readonly files: number;
  readonly rows: number;
  readonly responses: number;
  readonly deleted: number;
  readonly matches: boolean;
}

const quietLog: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Serves `fixture` from a stand-in of the demo's own (plain `npm start` syncs no Argilla), and runs the
 * Argilla backfill against it into the running stack: only responses that changed since the last backfill
 * are written, and responses the fixture no longer holds are closed by tombstones.
 */
export async function backfillFixture(stack: Stack, fixture: Fixture): Promise<AnnotationOutcome> {
  const key = 'demo.apikey';
  const standin = await startArgillaStandin({
    seed: [fixture],
    apiKeys: { [key]: { username: 'argilla', role: 'owner', workspaces: [] } },
  });
  const warehouse = createPostgresWarehouse(stack.warehouseUrl, { max: 2 });
  let result: BackfillResult;
  try {
    result = await runBackfill({
      argilla: createArgillaClient({ baseUrl: standin.url, apiKey: key, fetch, log: quietLog }),
      warehouse,
      datasets: parseArgillaDatasets(datasetsVar(standinDatasets(standin.store))),
      target: localStackTarget(stack),
      clock: () => new Date(),
      newId: () => crypto.randomUUID(),
      log: quietLog,
    });
  } finally {
    await warehouse.close();
    await standin.close();
  }
  if (!result.ok) {
    const failed = result.loads?.failed.map((f) => `${f.key}: ${f.status} ${f.error ?? ''}`) ?? [];
    const datasets = result.sync.datasets
      .filter((d) => d.outcome === 'failed')
      .map((d) => `${d.name}: ${d.reason ?? ''}`);
    throw new DemoError(
      `the Argilla backfill did not match: ${[...datasets, ...failed].join('; ') || 'the validation found a difference'}`,
    );
  }
  return {
    files: result.loads?.files ?? 0,
    rows: result.loads?.rows ?? 0,
    responses: result.sync.datasets.reduce((n, d) => n + d.responses, 0),
    deleted: result.sync.datasets.reduce((n, d) => n + d.deleted, 0),
    matches: result.validation.matches,
  };
}

// ---- discovery and the report ---------------------------------------------------------------------------

const DiscoveryOutcome = z.looseObject({ status: z.string(), error: z.string().optional() });

/** Fires the discovery cron; a run already going (the loads queue one) is waited for, then fired again. */
export async function fireDiscovery(stack: Stack, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const outcome = await api(stack, DiscoveryOutcome, '/__scheduled/discovery', { method: 'POST' });
    if (outcome.status === 'succeeded') return;
    if (outcome.status === 'failed') throw new DemoError(`discovery failed: ${outcome.error ?? ''}`);
    if (Date.now() > deadline) throw new DemoError('discovery stayed busy for 3 minutes');
    say('  discovery is busy with a run the loads queued; waiting');
    await new Promise((r) => setTimeout(r, 3000));
  }
}

const Why = z.looseObject({ summary: z.string().optional() }).nullable();
const Run = z.looseObject({
  run: z.number(),
  status: z.string(),
  changed: z.boolean().nullable(),
  why: Why,
  rowCount: z.number().nullable(),
});
const Report = z.looseObject({ id: z.string(), name: z.string(), lastRun: Run.nullable() });
const ReportDetail = Report.extend({ changed: z.boolean().nullable(), why: Why });
const ReportPage = z.object({ reports: z.array(Report), total: z.number() });
const RunPage = z.object({ runs: z.array(Run), total: z.number() });
const Diff = z.looseObject({
  from: z.looseObject({ run: z.number() }),
  to: z.looseObject({ run: z.number() }),
  counts: z.object({ added: z.number(), removed: z.number(), changed: z.number(), unchanged: z.number() }),
  added: z.array(z.record(z.string(), z.unknown())),
  removed: z.array(z.record(z.string(), z.unknown())),
  changed: z.array(
    z.looseObject({ key: z.unknown(), before: z.unknown(), after: z.unknown(), columns: z.array(z.string()) }),
  ),
});
export type Diff = z.infer<typeof Diff>;

export async function findReport(stack: Stack): Promise<z.infer<typeof Report> | null> {
  for (let offset = 0; ; offset += 200) {
    const page = await api(stack, ReportPage, `/api/reports?limit=200&offset=${offset}`);
    const found = page.reports.find((r) => r.name === REPORT_NAME);
    if (found) return found;
    if (offset + page.reports.length >= page.total || page.reports.length === 0) return null;
  }
}

async function createReport(stack: Stack): Promise<z.infer<typeof ReportDetail>> {
  return api(stack, ReportDetail, '/api/reports', {
    method: 'POST',
    body: JSON.stringify({ name: REPORT_NAME, sql: REPORT_SQL, key: ['flag'], createdBy: 'npm run demo' }),
  });
}

// ---- the flow -------------------------------------------------------------------------------------------

export interface MonthOutcome {
  readonly month: Month;
  readonly files: readonly FileOutcome[];
  /** Null when the month's annotations were not synced (a run after month 1 already happened). */
  readonly annotations: AnnotationOutcome | null;
}

export interface DemoRun {
  readonly seed: number;
  readonly reset: ResetOutcome | null;
  readonly months: readonly MonthOutcome[];
  readonly report: { readonly id: string; readonly created: boolean };
}

/** Month 1, then month 2; every step is a no-op when its result is already there. */
export async function runDemo(
  stack: Stack,
  corpus: DemoCorpus,
  say: (line: string) => void,
  reset: ResetOutcome | null,
): Promise<DemoRun> {
  const months: MonthOutcome[] = [];
  let report = await findReport(stack);
  const created = report === null;
  for (const month of [1, 2] as const) {
    const files = corpus.files[month];
    say(`month ${month} (${MONTH_LABEL[month]}): uploading ${files.length} files…`);
    const outcomes = await uploadFiles(stack, files, say);
    // Once the report exists month 1 is behind us: syncing month 1's Argilla again would close month 2's responses.
    let annotations: AnnotationOutcome | null = null;
    if (month === 2 || report === null) {
      say(`month ${month}: syncing the SMEs' annotations from the demo's Argilla stand-in (backfill)…`);
      annotations = await backfillFixture(stack, argillaFixture(corpus, month));
    }
    say(`month ${month}: running discovery…`);
    await fireDiscovery(stack, say);
    if (month === 1 && report === null) {
      say(`month 1: saving the report "${REPORT_NAME}" (its first run)…`);
      report = await createReport(stack);
    }
    if (month === 2 && report !== null) {
      say(`month 2: refreshing the report…`);
      await api(stack, ReportDetail, `/api/reports/${encodeURIComponent(report.id)}/refresh`, { method: 'POST' });
    }
    months.push({ month, files: outcomes, annotations });
  }
  if (report === null) throw new DemoError('the report was not created');
  return { seed: corpus.seed, reset, months, report: { id: report.id, created } };
}

// ---- --reset ---------------------------------------------------------------------------------------------

export interface ResetOutcome {
  readonly reportDeleted: boolean;
  /** Demo keys given an empty version, which closes the rows of the version before. */
  readonly emptied: number;
  readonly annotationsClosed: number;
}

/**
 * Takes the demo's data out of the current state, against the running stack: nothing is deleted in the
 * warehouse (its history is the point), so each demo file gets an empty version (its rows are closed),
 * the demo's Argilla responses are synced away (tombstones close them), and the demo's report is deleted
 * so it is created afresh. Schema versions and conflict decisions are history and stay.
 *
 * Not a delete of each object (DELETE /v1/objects): the consumer records a delete and keeps the rows
 * (docs/ingestion.md#versions), and the same bytes uploaded again after it are the key's newest loaded
 * version, so `ignored`: the rows would stay current and month 1 would not load again. An empty version
 * closes the rows, makes month 1's upload a revert that loads, and writes no field profile, so discovery
 * does not count it as a load of the file's columns.
 */
export async function resetDemo(stack: Stack, corpus: DemoCorpus, say: (line: string) => void): Promise<ResetOutcome> {
  const report = await findReport(stack);
  if (report) {
    const response = await fetch(`${stack.base}/api/reports/${encodeURIComponent(report.id)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.token}` },
    });
    if (!response.ok)
      throw new Error(`deleting the demo's report failed: HTTP ${response.status} ${await response.text()}`);
    say(`reset: deleted the report "${REPORT_NAME}"`);
  }
  const all: DemoFile[] = [...corpus.files[1], ...corpus.files[2]];
  say(`reset: giving the demo's ${all.length} files an empty version…`);
  await uploadFiles(
    stack,
    all.map((f) => ({ bucket: f.bucket, key: f.key, body: f.empty })),
    say,
  );
  say('reset: closing the demo annotations (a backfill of the demo datasets with no responses)…');
  const closed = await backfillFixture(stack, argillaFixture(corpus, 2, { responses: false }));
  return { reportDeleted: report !== null, emptied: all.length, annotationsClosed: closed.deleted };
}

// ---- the summary's facts, from the HTTP API --------------------------------------------------------------

const Conflict = z.looseObject({
  id: z.string(),
  kind: z.string(),
  source: z.string(),
  newName: z.string(),
  existingName: z.string(),
  score: z.number(),
  reasons: z.array(ConflictReason),
  status: z.string(),
});
export type Conflict = z.infer<typeof Conflict>;
const ConflictPage = z.object({ conflicts: z.array(Conflict), total: z.number() });
const Version = z.looseObject({ version: z.number(), semver: z.string(), publishedAt: z.string(), bump: z.string() });
const VersionPage = z.object({ versions: z.array(Version), total: z.number() });
const QueryResult = z.looseObject({ rows: z.array(z.array(z.unknown())) });
const SlackLine = z.object({ receivedAt: z.string(), message: z.looseObject({ text: z.string().optional() }) });

export interface DemoFacts {
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  readonly schema: SchemaDocument | null;
  readonly conflicts: readonly Conflict[];
  readonly openConflicts: number;
  readonly versions: readonly z.infer<typeof Version>[];
  readonly versionsTotal: number;
  readonly slack: { readonly receivedAt: string; readonly text: string } | null;
  readonly report: {
    readonly id: string;
    readonly runs: readonly z.infer<typeof Run>[];
    /** The newest successful run and the one before it. */
    readonly diff: Diff | null;
    /** The newest run that changed, when the newest did not. */
    readonly lastChange: z.infer<typeof Run> | null;
  };
  readonly consoleUrl: string;
}

const DEMO_ROWS_SQL = `SELECT 'structured_data' AS "table", count(*) AS "rows" FROM structured_data WHERE source IN ('port_calls', 'vessel_register')
UNION ALL SELECT 'raw_documents', count(*) FROM raw_documents WHERE document_id LIKE 'demo-%'
UNION ALL SELECT 'annotations', count(*) FROM annotations WHERE document_id LIKE 'demo-%' AND status = 'submitted'`;

export async function readFacts(stack: Stack, reportId: string): Promise<DemoFacts> {
  const rows = await api(stack, QueryResult, '/api/query', {
    method: 'POST',
    body: JSON.stringify({ sql: DEMO_ROWS_SQL, mode: 'live' }),
  });
  const current = await fetch(`${stack.base}/api/schema/current`);
  const schema = current.status === 200 ? SchemaDocument.parse(await current.json()) : null;
  const open = await api(stack, ConflictPage, '/api/conflicts?status=open&limit=1000');
  const versions = await api(stack, VersionPage, '/api/schema/versions?limit=50');
  const runs = await api(stack, RunPage, `/api/reports/${encodeURIComponent(reportId)}/runs?limit=200`);
  const ok = runs.runs.filter((r) => r.status === 'ok');
  const diff =
    ok.length >= 2 ? await api(stack, Diff, `/api/reports/${encodeURIComponent(reportId)}/diff?limit=20`) : null;
  const newest = runs.runs[0];
  const lastChange = newest && newest.changed !== true ? (runs.runs.find((r) => r.changed === true) ?? null) : null;
  return {
    tables: rows.rows.map(([table, n]) => ({ table: String(table), rows: Number(n) })),
    schema,
    conflicts: open.conflicts,
    openConflicts: open.total,
    versions: versions.versions,
    versionsTotal: versions.total,
    slack: lastSlackMessage(stack.slackFile),
    report: { id: reportId, runs: runs.runs, diff, lastChange },
    consoleUrl: `${stack.base}/`,
  };
}

/** The newest message of the local Slack sink's file, or null. */
export function lastSlackMessage(file: string): { receivedAt: string; text: string } | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const parsed = SlackLine.safeParse(JSON.parse(lines[i] as string));
    if (parsed.success && parsed.data.message.text)
      return { receivedAt: parsed.data.receivedAt, text: parsed.data.message.text };
  }
  return null;
}
