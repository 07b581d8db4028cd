// The console's ingestion view: the last 24 hours in numbers (loads, rows, failed files, dead letters not yet
// replayed), the failed files with their errors, and every recorded event newest first, filtered by status.
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { type Ingestion, IngestStatus, ingestSummary, listIngestions } from '../../../lib/ingest/ingest-log.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { count, type Html, page, pager, when } from './layout.ts';
import type { ConsoleSession } from './session.ts';

export const ingestionViews = new Hono<AppEnv>();

const PAGE = 50;
const FAILED_SHOWN = 20;
const DAY_MS = 24 * 3600 * 1000;

const IngestionViewQuery = z.object({
  status: z.union([IngestStatus, z.literal('')]).optional(),
  offset: z.coerce.number().int().min(0).default(0),
});

const duration = (ms: number | null) => (ms === null ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`);

const file = (i: Ingestion) => html`<code>${i.bucket}/${i.key}</code>`;

function eventsTable(rows: readonly Ingestion[]): Html {
  return html`<div class="scroll"><table class="data" id="loads">
<thead><tr><th>Time</th><th>Bucket / key</th><th>Target table</th><th>Status</th><th class="num">Rows</th><th class="num">Duration</th></tr></thead>
<tbody>${rows.map(
    (i) => html`<tr>
  <td class="nowrap">${when(i.startedAt)}</td>
  <td>${file(i)}${i.error ? html`<div class="cell-error">${i.errorCode ? html`<code>${i.errorCode}</code> ` : ''}${i.error}</div>` : ''}</td>
  <td>${i.target ? html`<code>${i.target}</code>` : ''}</td>
  <td><span class="status status-${i.status}">${i.status}</span>${i.attempts > 1 ? html` <span class="meta">(${i.attempts} attempts)</span>` : ''}</td>
  <td class="num">${i.rows === null ? '' : count(i.rows)}</td>
  <td class="num">${duration(i.durationMs)}</td>
</tr>`,
  )}</tbody>
</table></div>`;
}

function failedList(rows: readonly Ingestion[], total: number): Html {
  if (rows.length === 0) return html`<p id="failed">No failed files waiting on the dead-letter queue.</p>`;
  return html`<ul class="failures" id="failed">${rows.map(
    (i) => html`<li>
  <p>${file(i)} · ${when(i.startedAt)}${i.errorCode ? html` · <span class="status status-failed">${i.errorCode}</span>` : ''}</p>
  <pre class="error-text">${i.error ?? 'no message recorded'}</pre>
</li>`,
  )}</ul>
${total > rows.length ? html`<p><a href="/ingestion?status=failed">All ${count(total)} failed files</a></p>` : ''}`;
}

const getIngestion = describeRoute({
  summary: 'the console’s ingestion view (HTML): the last 24 hours, failed files with their errors, recent events',
  tags: ['console'],
  access: 'console',
  query: IngestionViewQuery,
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

ingestionViews.get('/ingestion', getIngestion, async (c) => {
  const q = getIngestion.query(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse, clock } = c.var.deps;
  const status = q.status || undefined;
  const summary = await ingestSummary(warehouse, new Date(clock().getTime() - DAY_MS));
  const failed = await listIngestions(warehouse, { status: 'failed', limit: FAILED_SHOWN, offset: 0 });
  const events = await listIngestions(warehouse, { ...(status ? { status } : {}), limit: PAGE, offset: q.offset });
  const option = (value: string, label: string) =>
    html`<option value="${value}"${value === (q.status ?? '') ? html` selected` : ''}>${label}</option>`;
  const body = html`<section class="cards" aria-label="The last 24 hours">
  <div class="card" id="card-loads"><span class="n">${count(summary.loads)}</span> loads in the last 24 h</div>
  <div class="card" id="card-rows"><span class="n">${count(summary.rows)}</span> rows loaded</div>
  <div class="card" id="card-failed"><span class="n">${count(summary.failed)}</span> failed files</div>
  <div class="card" id="card-dead"><span class="n">${count(summary.deadLettered)}</span> dead letters not yet replayed</div>
</section>
<p class="help">Since ${when(summary.since)}. A failed file is sent to the <code>ingest-dlq</code> queue; replaying it after a fix loads it again and clears it from this count.</p>
<h2>Failed files</h2>
${failedList(failed.ingestions, failed.total)}
<h2>Recent events</h2>
<form method="get" action="/ingestion" class="filters" aria-label="Filter events">
  <label>Status <select name="status">${option('', 'any')}${IngestStatus.options.map((s) => option(s, s))}</select></label>
  <button type="submit">Filter</button>
</form>
${pager('/ingestion', { status: q.status }, { limit: PAGE, offset: q.offset, total: events.total })}
${events.ingestions.length === 0 ? html`<p>Nothing recorded${status ? ' with this status' : ' yet'}.</p>` : eventsTable(events.ingestions)}`;
  return page(c, { title: 'Ingestion', view: 'ingestion', session, body });
});
