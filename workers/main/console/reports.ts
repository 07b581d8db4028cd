// The console's report pages: one saved report with its SQL, what moved since its last run, the latest run's
// stored result and why it changed, its runs, a Refresh button (post/redirect/get), and the diff of two runs.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.ts';
import type { ChangedRow } from '../../../lib/reports/diff.ts';
import type { Movement, RunExplanation, VersionMove } from '../../../lib/reports/explain.ts';
import { diffRuns, reportDetail, runPage, runResult } from '../../../lib/reports/read.ts';
import { refreshReport } from '../../../lib/reports/refresh.ts';
import type { ReportRun } from '../../../lib/reports/tables.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { createReportDeps } from '../reports-deps.ts';
import { count, type Html, page, pager, when } from './layout.ts';
import { changedBadge, refreshForm, runStatus } from './queries.ts';
import { objectTable, resultTable, valueText } from './results.ts';
import type { ConsoleSession } from './session.ts';

export const reportViews = new Hono<AppEnv>();

const RUNS_PAGE = 20;
const DIFF_ROWS = 500;

const ReportId = z.object({ id: z.string().min(1) });

const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

const reportHref = (id: string) => `/reports/${encodeURIComponent(id)}`;

function versionWords(v: VersionMove): Html {
  const names = [
    ...v.fieldsAdded.map((n) => `field ${n} added`),
    ...v.fieldsRemoved.map((n) => `field ${n} removed`),
    ...v.entityTypesAdded.map((n) => `entity type ${n} added`),
    ...v.entityTypesRemoved.map((n) => `entity type ${n} removed`),
  ];
  return html`<li>schema version ${v.version} (${v.semver}, ${v.bump}) published ${when(v.publishedAt)}: ${names.length > 0 ? names.join(', ') : plural(v.changes, 'change')}</li>`;
}

/** Loads and schema versions over a span, as a list in words. */
function movementList(m: Movement): Html {
  const tables = m.data.tables.map(
    (t) => html`<li>${plural(t.rows, 'new row')} in <code>${t.table}</code> (${plural(t.loads, 'load')})</li>`,
  );
  if (tables.length === 0 && m.schema.versions.length === 0)
    return html`<ul class="changes"><li>no loads and no new schema version</li></ul>`;
  return html`<ul class="changes">${tables}${m.schema.versions.map(versionWords)}</ul>`;
}

/** Why a run's result is (or is not) the previous run's. */
function whyBlock(why: RunExplanation): Html {
  const { result } = why;
  const cols = result.columns;
  return html`<div class="why" id="why">
<p><strong>Why:</strong> ${why.summary} (compared with run ${why.previousRun}: ${count(result.rowCount.from)} → ${count(result.rowCount.to)} rows${result.by ? `, by ${result.by === 'key' ? 'key columns' : 'whole rows'}` : ''}).</p>
${cols.added.length + cols.removed.length + cols.retyped.length > 0 ? html`<p>Columns: ${[...cols.added.map((c) => `${c.name} added`), ...cols.removed.map((c) => `${c.name} removed`), ...cols.retyped.map((c) => `${c.name} ${c.from} → ${c.to}`)].join(', ')}</p>` : ''}
<p>Between the two runs (${when(why.data.since)} to ${when(why.data.until)}):</p>
${movementList(why)}
</div>`;
}

function runsTable(id: string, runs: readonly ReportRun[]): Html {
  return html`<div class="scroll"><table class="data" id="runs">
<thead><tr><th class="num">Run</th><th>Ran</th><th>Trigger</th><th>Status</th><th class="num">Rows</th><th>Schema</th><th>What changed</th><th class="num">Duration</th><th></th></tr></thead>
<tbody>${runs.map(
    (r) => html`<tr>
  <td class="num">${r.run}</td>
  <td class="nowrap">${when(r.ranAt)}</td>
  <td>${r.trigger}</td>
  <td>${runStatus(r)}</td>
  <td class="num">${r.rowCount === null ? '' : count(r.rowCount)}</td>
  <td>${r.schemaVersion === null ? '' : `v${r.schemaVersion}`}</td>
  <td>${r.status === 'error' ? html`<span class="cell-error">${r.errorCode ? html`<code>${r.errorCode}</code> ` : ''}${r.error ?? ''}</span>` : html`${changedBadge(r)} ${r.why?.summary ?? (r.changed === null ? 'first run' : '')}`}</td>
  <td class="num">${r.durationMs === null ? '' : `${count(r.durationMs)} ms`}</td>
  <td class="nowrap">${r.why && r.status === 'ok' ? html`<a href="${reportHref(id)}/diff?from=${r.why.previousRun}&amp;to=${r.run}">diff</a>` : ''}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

const ReportQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  refreshed: z.coerce.number().int().min(1).optional(),
});

const getReport = describeRoute({
  summary: 'one saved report in the console (HTML): its SQL, the latest stored result and why it changed, its runs',
  description: '`refreshed` names the run a Refresh just made (the page says how it went).',
  tags: ['console'],
  access: 'console',
  params: ReportId,
  query: ReportQuery,
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

reportViews.get('/reports/:id', getReport, async (c) => {
  const { id } = getReport.params(c);
  const q = getReport.query(c);
  const session = c.var.session as ConsoleSession;
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  const detail = await reportDetail(deps, id);
  const { report, lastRun } = detail;
  const runs = await runPage(deps, id, { limit: RUNS_PAGE, offset: q.offset });
  const lastOk = lastRun?.status === 'ok' ? lastRun : (runs.runs.find((r) => r.status === 'ok') ?? null);
  const stored = lastOk ? await runResult(deps, id, lastOk.run) : null;
  const refreshed = q.refreshed ? runs.runs.find((r) => r.run === q.refreshed) : undefined;
  const moved = detail.movedSinceLastRun;
  const movedAny = moved !== null && (moved.data.tables.length > 0 || moved.schema.versions.length > 0);
  const pinned =
    report.mode === 'time_travel'
      ? html` · as at ${when(report.at)}`
      : report.mode === 'snapshot'
        ? html` · schema version ${report.version ?? ''}`
        : '';
  const body = html`${
    refreshed
      ? refreshed.status === 'ok'
        ? html`<p class="notice" role="status" id="refreshed">Refreshed: run ${refreshed.run}, ${refreshed.changed ? 'the result changed' : 'the result is unchanged'}.</p>`
        : html`<p class="error" role="alert" id="refreshed">Run ${refreshed.run} failed: ${refreshed.error ?? ''}</p>`
      : ''
  }
<p class="meta">${report.mode.replace('_', ' ')}${pinned} · key ${report.key ? html`<code>${report.key.join(', ')}</code>` : 'none (diffs compare whole rows)'} · created ${when(report.createdAt)}${report.createdBy ? html` by ${report.createdBy}` : ''}</p>
<div class="actions">
  ${refreshForm(report, session)}
  <a class="button secondary" href="${reportHref(id)}/diff">View diff</a>
  <a class="button secondary" href="/queries?sql=${encodeURIComponent(report.sql)}">Open in the query form</a>
  <a href="/queries">All reports</a>
</div>
<h2>SQL</h2>
<pre id="report-sql" class="sql"><code>${report.sql}</code></pre>
${
  moved
    ? html`<h2>Since the last run</h2>
${movedAny ? html`<p><span class="badge" id="moved">data or schema moved</span> a refresh may give another result:</p>` : html`<p id="moved">Nothing moved since ${when(moved.data.since)}: a refresh would see the same data.</p>`}
${movedAny ? movementList(moved) : ''}`
    : ''
}
<h2>Latest result ${lastOk ? html`<span class="meta">run ${lastOk.run}, ${when(lastOk.ranAt)}</span> ${changedBadge(lastOk)}` : ''}</h2>
${lastRun && lastRun.status === 'error' ? html`<p class="error" role="alert">The newest run (${lastRun.run}) failed: ${lastRun.errorCode ? html`<code>${lastRun.errorCode}</code> ` : ''}${lastRun.error ?? ''}</p>` : ''}
${lastOk?.why ? whyBlock(lastOk.why) : lastOk ? html`<p>The first run: nothing to compare with.</p>` : ''}
${stored ? html`${lastOk?.truncated ? html`<p class="notice warn">Truncated at the report’s row limit.</p>` : ''}${resultTable(stored.result.columns, stored.result.rows, 'latest-result')}` : html`<p>No stored result yet.</p>`}
<h2>Runs</h2>
${pager(reportHref(id), {}, { limit: RUNS_PAGE, offset: q.offset, total: runs.total })}
${runsTable(id, runs.runs)}`;
  return page(c, { title: `Report: ${report.name}`, view: 'queries', session, body });
});

const postRefresh = describeRoute({
  summary: 'refresh a saved report from the console (a form post; answers 303 to the report’s page)',
  description:
    'As POST /api/reports/:id/refresh: a run the engine refuses is recorded as a failed run, which the page shows.',
  tags: ['console'],
  access: 'console',
  params: ReportId,
  form: z.object({ csrf: z.string() }),
  responses: {
    303: { description: 'to the report’s page, naming the new run' },
    404: { description: 'no such report' },
    409: { description: 'another refresh of the report took the same run number' },
  },
});

reportViews.post('/reports/:id/refresh', postRefresh, async (c) => {
  const { id } = postRefresh.params(c);
  const session = c.var.session as ConsoleSession;
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  const { run } = await refreshReport(deps, id, 'api');
  c.var.deps.log.info('report refreshed from the console', { report: id, run: run.run, by: session.by });
  return c.redirect(`${reportHref(id)}?refreshed=${run.run}`, 303);
});

const DiffQuery = z.object({
  from: z.coerce.number().int().min(1).optional(),
  to: z.coerce.number().int().min(1).optional(),
  by: z.enum(['key', 'rows']).optional(),
});

function changedTable(rows: readonly ChangedRow[]): Html {
  return html`<div class="scroll"><table class="data result" id="changed-rows">
<thead><tr><th>Key</th><th>Column</th><th>Before</th><th>After</th></tr></thead>
<tbody>${rows.map((r) =>
    r.columns.map(
      (col, i) => html`<tr>
  ${i === 0 ? html`<td rowspan="${r.columns.length}">${Object.entries(r.key).map(([k, v]) => html`<code>${k}</code> = ${valueText(v)} `)}</td>` : ''}
  <td><code>${col}</code></td><td class="before">${valueText(r.before[col])}</td><td class="after">${valueText(r.after[col])}</td>
</tr>`,
    ),
  )}</tbody>
</table></div>`;
}

const getDiff = describeRoute({
  summary: 'the rows added, removed and changed between two stored runs of a report, in the console (HTML)',
  description:
    'Default runs: the newest successful one and the successful one before it; `by` as GET /api/reports/:id/diff.',
  tags: ['console'],
  access: 'console',
  params: ReportId,
  query: DiffQuery,
  responses: {
    200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' },
    409: {
      description: 'the page says why there is no diff (fewer than two successful runs, a key that does not pair)',
    },
  },
});

async function diffPage(c: Context<AppEnv>, id: string, q: z.infer<typeof DiffQuery>) {
  const session = c.var.session as ConsoleSession;
  const deps = createReportDeps(c.env, c.var.deps, c.var.runQuery);
  const back = html`<p><a href="${reportHref(id)}">Back to the report</a></p>`;
  let diff: Awaited<ReturnType<typeof diffRuns>>;
  try {
    diff = await diffRuns(deps, id, {
      limit: DIFF_ROWS,
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
      ...(q.by ? { by: q.by } : {}),
    });
  } catch (error) {
    if (!(error instanceof AppError) || (error.status !== 409 && error.status !== 400)) throw error;
    const body = html`<p class="error" role="alert" id="diff-error">${error.message}</p>${back}`;
    return page(c, { title: 'No diff', view: 'queries', session, body, status: error.status as 400 | 409 });
  }
  const { counts, columns } = diff;
  const colWords = [
    ...columns.added.map((x) => `${x.name} added`),
    ...columns.removed.map((x) => `${x.name} removed`),
    ...columns.retyped.map((x) => `${x.name} ${x.from} → ${x.to}`),
  ];
  const body = html`<p class="meta">Run ${diff.from.run} (${when(diff.from.ranAt)}, ${plural(diff.from.rowCount, 'row')}${diff.schema.from === null ? '' : `, schema v${diff.schema.from}`}) → run ${diff.to.run} (${when(diff.to.ranAt)}, ${plural(diff.to.rowCount, 'row')}${diff.schema.to === null ? '' : `, schema v${diff.schema.to}`}), by ${diff.by === 'key' ? html`key <code>${(diff.key ?? []).join(', ')}</code>` : 'whole rows'}.</p>
<section class="cards" aria-label="Counts">
  <div class="card"><span class="n">${count(counts.added)}</span> added</div>
  <div class="card"><span class="n">${count(counts.removed)}</span> removed</div>
  <div class="card"><span class="n">${count(counts.changed)}</span> changed</div>
  <div class="card"><span class="n">${count(counts.unchanged)}</span> unchanged</div>
</section>
${colWords.length > 0 ? html`<p>Columns: ${colWords.join(', ')}</p>` : ''}
${diff.schema.versions.length > 0 ? html`<p>Schema versions in between:</p><ul class="changes">${diff.schema.versions.map(versionWords)}</ul>` : ''}
${diff.truncated ? html`<p class="notice warn">Each list shows its first ${count(DIFF_ROWS)} rows; the counts are whole.</p>` : ''}
<form method="get" action="${reportHref(id)}/diff" class="filters" aria-label="Choose runs">
  <label>From run <input name="from" value="${String(diff.from.run)}" inputmode="numeric" size="4"></label>
  <label>To run <input name="to" value="${String(diff.to.run)}" inputmode="numeric" size="4"></label>
  <label>By <select name="by"><option value=""${diff.by === 'key' ? html` selected` : ''}>key columns</option><option value="rows"${diff.by === 'rows' ? html` selected` : ''}>whole rows</option></select></label>
  <button type="submit">Compare</button>
</form>
<h2>Added rows</h2>
${diff.added.length > 0 ? objectTable(diff.added, 'added-rows') : html`<p>None.</p>`}
<h2>Removed rows</h2>
${diff.removed.length > 0 ? objectTable(diff.removed, 'removed-rows') : html`<p>None.</p>`}
<h2>Changed rows</h2>
${diff.changed.length > 0 ? changedTable(diff.changed) : html`<p>None.</p>`}
${back}`;
  return page(c, { title: `Diff: run ${diff.from.run} → run ${diff.to.run}`, view: 'queries', session, body });
}

reportViews.get('/reports/:id/diff', getDiff, async (c) => diffPage(c, getDiff.params(c).id, getDiff.query(c)));
