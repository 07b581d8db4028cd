// The console's queries view: a SQL form that runs one read-only SELECT through the query engine in live,
// time-travel or snapshot mode (the checks and limits of POST /api/query) and shows the result or the
// engine's refusal, and the saved reports with their last run and a Refresh button.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.ts';
import { QUERY_MODES, type QueryMode, type QueryResult } from '../../../lib/query/contract.ts';
import { definitionOf, ReportInput, type SavedReport } from '../../../lib/reports/definition.ts';
import { reportPage, storedQueryResult } from '../../../lib/reports/read.ts';
import { createReport } from '../../../lib/reports/refresh.ts';
import type { ReportRun } from '../../../lib/reports/tables.ts';
import { parseInstant } from '../../../lib/schema/instant.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { parse } from '../input.ts';
import { createReportDeps } from '../reports-deps.ts';
import { count, csrfField, type Html, page, pager, when } from './layout.ts';
import { resultTable } from './results.ts';
import type { ConsoleSession } from './session.ts';

export const queryViews = new Hono<AppEnv>();

const PAGE = 25;
/** Reports the snapshot mode's select offers. */
const REPORT_CHOICES = 200;

const MODE_LABELS: Record<QueryMode, string> = {
  live: 'live (the data now)',
  time_travel: 'time travel (as at an instant)',
  snapshot: 'snapshot (a schema version or a report’s stored run)',
};

/** What the query form holds: kept as typed, so a page after a run shows the form as it was. */
export interface QueryFormState {
  readonly sql: string;
  readonly mode: QueryMode;
  readonly at: string;
  readonly version: string;
  readonly report: string;
  readonly run: string;
  readonly limit: string;
  /** Save as report: its name and key columns (comma-separated). */
  readonly name: string;
  readonly key: string;
}

const EMPTY_FORM: QueryFormState = {
  sql: '',
  mode: 'live',
  at: '',
  version: '',
  report: '',
  run: '',
  limit: '',
  name: '',
  key: '',
};

const optionalText = z.string().max(200).default('');

const QueryForm = z.object({
  csrf: z.string(),
  sql: z.string().max(100_000).default(''),
  mode: z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]).default('live'),
  at: optionalText,
  version: optionalText,
  report: optionalText,
  run: optionalText,
  limit: optionalText,
  name: optionalText,
  key: z.string().max(2000).default(''),
});

const ViewQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  sql: z.string().max(100_000).optional(),
  report: z.string().max(200).optional(),
});

/** A positive whole number typed into the form, or a 400 naming the field. */
function wholeNumber(field: string, text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (!/^\d+$/.test(t) || Number(t) < 1) throw new AppError('bad_request', `${field}: expected a whole number from 1`);
  return Number(t);
}

/**
 * The instant typed into `at`, as POST /api/query reads it; a date-time without a zone (what a browser's
 * date-time field sends) is taken as UTC, as the form says.
 */
function instantOf(text: string): Date {
  const t = text.trim();
  const local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t);
  const parsed = parseInstant(local ? `${t}Z` : t);
  if (!(parsed instanceof Date)) throw new AppError('bad_request', `at: ${parsed.error}`);
  return parsed;
}

/**
 * Runs the form's query as POST /api/query would run its body: fields of the other modes are not sent (the
 * form keeps them all), and a snapshot of a report answers that run's stored result.
 */
async function runForm(c: Context<AppEnv>, f: QueryFormState, session: ConsoleSession): Promise<QueryResult> {
  const sql = f.sql.trim() === '' ? undefined : f.sql;
  if (f.mode === 'snapshot' && f.report.trim() !== '') {
    if (f.version.trim() !== '') throw new AppError('bad_request', 'snapshot: give version or report, not both');
    const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
    return storedQueryResult(deps, f.report.trim(), { sql, run: wholeNumber('run', f.run) });
  }
  if (sql === undefined) throw new AppError('bad_request', 'sql: required (or a report, in snapshot mode)');
  const at = f.mode === 'time_travel' && f.at.trim() !== '' ? instantOf(f.at) : undefined;
  const version = f.mode === 'snapshot' ? wholeNumber('version', f.version) : undefined;
  const limit = wholeNumber('limit', f.limit);
  return c.var.runQuery({
    sql,
    mode: f.mode,
    ...(at === undefined ? {} : { at }),
    ...(version === undefined ? {} : { version }),
    ...(limit === undefined ? {} : { limit }),
    executedBy: `console:${session.by}`,
  });
}

function queryForm(f: QueryFormState, session: ConsoleSession, reports: readonly SavedReport[]): Html {
  const selected = (on: boolean) => (on ? html` selected` : '');
  return html`<form method="post" action="/queries" class="query" id="query-form">
  ${csrfField(session)}
  <label class="block" for="sql">SQL <span class="help">one SELECT (CTEs allowed), DuckDB SQL, read-only</span></label>
  <textarea id="sql" name="sql" rows="8" spellcheck="false" maxlength="100000">${f.sql}</textarea>
  <div class="query-options">
    <label>Mode <select name="mode">${QUERY_MODES.map((m) => html`<option value="${m}"${selected(m === f.mode)}>${MODE_LABELS[m]}</option>`)}</select></label>
    <label title="time travel: a date (its end, UTC) or a date-time, UTC unless it has a zone">As at <input name="at" value="${f.at}" placeholder="2026-11-21 or 2026-11-21T08:00Z" size="24"></label>
    <label title="snapshot: the schema version">Version <input name="version" value="${f.version}" inputmode="numeric" size="4"></label>
    <label title="snapshot: a saved report's stored run instead of a re-run">Report <select name="report"><option value="">none</option>${reports.map((r) => html`<option value="${r.id}"${selected(r.id === f.report)}>${r.name}</option>`)}</select></label>
    <label title="snapshot with a report: the run (default: the newest successful)">Run <input name="run" value="${f.run}" inputmode="numeric" size="4"></label>
    <label title="rows at most (default 1000, at most 100000)">Limit <input name="limit" value="${f.limit}" inputmode="numeric" size="6" placeholder="1000"></label>
    <button type="submit">Run query</button>
  </div>
  <fieldset class="save">
    <legend>Save as report</legend>
    <label>Name <input name="name" value="${f.name}" maxlength="200" size="24"></label>
    <label title="result columns that identify a row, comma-separated; empty: diffs compare whole rows">Key columns <input name="key" value="${f.key}" size="24" placeholder="optional, e.g. imo"></label>
    <button type="submit" formaction="/reports" class="secondary">Save as report</button>
    <span class="help">Saves the SQL, mode, instant or version and limit above, and runs it once.</span>
  </fieldset>
  <p class="help">Time travel reads <em>As at</em>; snapshot reads <em>Version</em>, or <em>Report</em> and <em>Run</em> (leave the SQL empty to show the report’s stored result). Dates and times without a zone are UTC.</p>
</form>`;
}

function resultSection(r: QueryResult): Html {
  const version = r.schemaVersion === null ? 'before the first schema version' : `schema version ${r.schemaVersion}`;
  return html`<section id="result" aria-label="Result">
<h2>Result</h2>
<p class="meta" id="result-meta">${r.mode.replace('_', ' ')} · ${version}${r.at ? html` · as at <time datetime="${r.at}">${when(r.at)}</time>` : ''} · <strong>${count(r.rowCount)}</strong> ${r.rowCount === 1 ? 'row' : 'rows'} · ${count(r.durationMs)} ms · execution <code>${r.executionId}</code></p>
${r.truncated ? html`<p class="notice warn" id="truncated" role="status">Truncated: the query has more rows than the limit; only the first ${count(r.rowCount)} are shown.</p>` : ''}
${r.columns.length === 0 ? html`<p>No columns.</p>` : resultTable(r.columns, r.rows)}
</section>`;
}

function errorSection(e: AppError, heading = 'The query did not run'): Html {
  return html`<section id="result" aria-label="Result">
<h2>${heading}</h2>
<p class="error" role="alert" id="query-error"><code>${e.code}</code> ${e.message}</p>
</section>`;
}

export const changedBadge = (run: ReportRun | null) =>
  run?.changed ? html`<span class="badge" title="the last refresh changed the result">changed</span>` : '';

export const runStatus = (run: ReportRun) => html`<span class="status status-${run.status}">${run.status}</span>`;

export const refreshForm = (report: SavedReport, session: ConsoleSession, label = 'Refresh') =>
  html`<form method="post" action="/reports/${encodeURIComponent(report.id)}/refresh" class="inline">
  ${csrfField(session)}<button type="submit" class="secondary">${label}</button>
</form>`;

function reportsTable(
  rows: readonly { report: SavedReport; lastRun: ReportRun | null }[],
  session: ConsoleSession,
): Html {
  return html`<div class="scroll"><table class="data" id="reports">
<thead><tr><th>Name</th><th>Mode</th><th>Last run</th><th class="num">Rows</th><th></th><th></th></tr></thead>
<tbody>${rows.map(
    ({ report, lastRun }) => html`<tr>
  <td><a href="/reports/${encodeURIComponent(report.id)}">${report.name}</a></td>
  <td>${report.mode.replace('_', ' ')}</td>
  <td>${lastRun ? html`run ${lastRun.run} · ${when(lastRun.ranAt)} · ${runStatus(lastRun)}` : 'never'}</td>
  <td class="num">${lastRun?.rowCount === null || lastRun === null ? '' : count(lastRun.rowCount)}</td>
  <td>${changedBadge(lastRun)}</td>
  <td>${refreshForm(report, session)}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

async function queriesPage(
  c: Context<AppEnv>,
  o: { form: QueryFormState; outcome?: Html; offset: number; status?: 200 | 400 | 404 | 409 },
) {
  const session = c.var.session as ConsoleSession;
  const [list, choices] = [
    await reportPage(c.var.deps, { limit: PAGE, offset: o.offset }),
    await reportPage(c.var.deps, { limit: REPORT_CHOICES, offset: 0 }),
  ];
  const body = html`${queryForm(
    o.form,
    session,
    choices.reports.map((r) => r.report),
  )}
${o.outcome ?? ''}
<h2 id="saved-reports">Saved reports</h2>
<p class="help">Refresh runs a report again and keeps the run; a report is also refreshed every day. <a href="/api/reports">As JSON</a>.</p>
${pager('/queries', {}, { limit: PAGE, offset: o.offset, total: list.total })}
${list.reports.length === 0 ? html`<p id="no-reports">No saved reports yet (POST /api/reports saves one).</p>` : reportsTable(list.reports, session)}`;
  return page(c, {
    title: 'Queries and reports',
    view: 'queries',
    session,
    body,
    ...(o.status ? { status: o.status } : {}),
  });
}

const getQueries = describeRoute({
  summary: 'the console’s queries view (HTML): the SQL form and the saved reports',
  description: '`sql` and `report` fill the form (a link from a report opens its SQL here).',
  tags: ['console'],
  access: 'console',
  query: ViewQuery,
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

queryViews.get('/queries', getQueries, async (c) => {
  const q = getQueries.query(c);
  return queriesPage(c, {
    form: { ...EMPTY_FORM, sql: q.sql ?? '', ...(q.report ? { mode: 'snapshot', report: q.report } : {}) },
    offset: q.offset,
  });
});

const postQueries = describeRoute({
  summary: 'run a query from the console (a form post; renders the result, or the engine’s refusal, in the page)',
  description:
    'The checks and limits of POST /api/query (one read-only SELECT, row limit, timeouts), logged in query_executions as `console:<name>`.',
  tags: ['console'],
  access: 'console',
  form: QueryForm,
  responses: {
    200: { description: 'the page with the result table', schema: z.string(), contentType: 'text/html' },
    400: { description: 'the page with the refusal or failure (query_refused, query_failed, query_timeout)' },
  },
});

queryViews.post('/queries', postQueries, async (c) => {
  const { csrf: _csrf, ...form } = await postQueries.form(c);
  const session = c.var.session as ConsoleSession;
  try {
    const result = await runForm(c, form, session);
    return queriesPage(c, { form, outcome: resultSection(result), offset: 0 });
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const status = error.status === 404 || error.status === 409 ? error.status : 400;
    return queriesPage(c, { form, outcome: errorSection(error), offset: 0, status });
  }
});

/** The report the form describes, as POST /api/reports would take it: fields of the other modes left out. */
function reportInputOf(f: QueryFormState, session: ConsoleSession): ReportInput {
  const key = f.key
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const version = f.mode === 'snapshot' ? wholeNumber('version', f.version) : undefined;
  const limit = wholeNumber('limit', f.limit);
  return parse(ReportInput, {
    name: f.name,
    sql: f.sql,
    mode: f.mode,
    ...(key.length > 0 ? { key } : {}),
    ...(f.mode === 'time_travel' && f.at.trim() !== '' ? { at: instantOf(f.at).toISOString() } : {}),
    ...(version === undefined ? {} : { version }),
    ...(limit === undefined ? {} : { limit }),
    createdBy: session.by,
  });
}

const postReport = describeRoute({
  summary: 'save the query form as a report (a form post; runs it once, as POST /api/reports, and answers 303 to it)',
  tags: ['console'],
  access: 'console',
  form: QueryForm,
  responses: {
    303: { description: 'to the new report’s page' },
    400: {
      description: 'the queries page with why not (a missing name, SQL the engine refuses, a key that does not pair)',
    },
    409: { description: 'the queries page: a report of that name exists' },
  },
});

queryViews.post('/reports', postReport, async (c) => {
  const { csrf: _csrf, ...form } = await postReport.form(c);
  const session = c.var.session as ConsoleSession;
  try {
    const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
    const { report } = await createReport(deps, definitionOf(reportInputOf(form, session)));
    c.var.deps.log.info('report saved from the console', { report: report.id, by: session.by });
    return c.redirect(`/reports/${encodeURIComponent(report.id)}`, 303);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    const status = error.status === 404 || error.status === 409 ? error.status : 400;
    return queriesPage(c, { form, outcome: errorSection(error, 'The report was not saved'), offset: 0, status });
  }
});
