// The console's review queue: each conflict with its pair, score and reasons, both names' catalog entries
// side by side, and Approve / Reject / Merge buttons that are a plain form post (no JavaScript needed; the
// console script adds keyboard shortcuts). A decision redirects back to the queue, which says what it did.
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { plural } from '../../../lib/core/words.ts';
import {
  type CatalogEntry,
  catalogEntries,
  catalogKey,
  catalogSources,
} from '../../../lib/discovery/catalog-tables/browse.ts';
import {
  ConflictKind,
  type ConflictRow,
  ConflictStatus,
  countConflicts,
  DecisionKind,
  getConflict,
  listConflicts,
} from '../../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { describeReason } from '../../../lib/discovery/conflicts.ts';
import { decideConflict } from '../../../lib/discovery/decide.ts';
import { AppError } from '../../../lib/errors.ts';
import type { WarehouseSession } from '../../../lib/warehouse/port.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { csrfField, type Html, page, pager, when } from './layout.ts';
import type { ConsoleSession } from './session.ts';

export const reviewViews = new Hono<AppEnv>();

const PAGE = 25;

const DECISION_WORDS = { approve: 'Approved', reject: 'Rejected', merge: 'Merged' } as const;

const QueueQuery = z.object({
  status: z.union([ConflictStatus, z.literal('all')]).default('open'),
  kind: z.union([ConflictKind, z.literal('')]).optional(),
  source: z.string().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  decided: z.string().optional(),
});

const what = (c: ConflictRow) => (c.kind === 'field' ? html`field of <code>${c.source}</code>` : 'entity type');

function side(label: string, name: string, e: CatalogEntry | undefined): Html {
  if (!e) return html`<div class="side"><h3>${label} <code>${name}</code></h3><p>Not in the catalog.</p></div>`;
  const [what, where] = e.kind === 'field' ? ['value', 'load'] : ['annotation', 'document'];
  return html`<div class="side">
  <h3>${label} <code>${name}</code></h3>
  <dl>
    <dt>Status</dt><dd><span class="status status-${e.status}">${e.status}</span>${e.mergedInto ? html` into <code>${e.mergedInto}</code>` : ''}</dd>
    <dt>Seen</dt><dd>${plural(e.occurrences, what)} in ${plural(e.spread, where)}</dd>
    <dt>First / last</dt><dd>${when(e.firstSeen)} / ${when(e.lastSeen)}</dd>
    ${e.type ? html`<dt>Type</dt><dd><code>${e.type}</code></dd>` : ''}
  </dl>
  ${
    e.examples.length > 0
      ? html`<p class="examples-label">Examples</p><ul class="examples">${e.examples.slice(0, 5).map((x) => html`<li><q>${x}</q></li>`)}</ul>`
      : html`<p class="examples-label">No examples yet.</p>`
  }
</div>`;
}

/**
 * A conflict whose new name another decision already merged or rejected: merging or rejecting it again is
 * refused, so the card offers only to close it (approve), saying why.
 */
function closeForm(c: ConflictRow, e: CatalogEntry, session: ConsoleSession, back: string): Html {
  return html`<form method="post" action="/conflicts/${encodeURIComponent(c.id)}/decide" class="decide">
  ${csrfField(session)}
  <input type="hidden" name="back" value="${back}">
  <p class="notice warn">Another decision already ${e.status === 'merged' ? html`merged <code>${c.newName}</code> into <code>${e.mergedInto ?? ''}</code>` : html`rejected <code>${c.newName}</code>`}: this pair needs no decision of its own.</p>
  <button type="submit" name="decision" value="approve" data-key="a" title="Close: the catalog stays as it is (a)">Close</button>
</form>`;
}

function decideForm(c: ConflictRow, session: ConsoleSession, back: string): Html {
  return html`<form method="post" action="/conflicts/${encodeURIComponent(c.id)}/decide" class="decide">
  ${csrfField(session)}
  <input type="hidden" name="back" value="${back}">
  <label>Note <input name="note" maxlength="2000" placeholder="optional, kept with the decision"></label>
  <button type="submit" name="decision" value="approve" data-key="a" title="Keep both names (a)">Approve</button>
  <button type="submit" name="decision" value="reject" data-key="r" title="Reject the new name (r)">Reject <code>${c.newName}</code></button>
  <button type="submit" name="decision" value="merge" data-key="m" title="Make the new name an alias (m)">Merge into <code>${c.existingName}</code></button>
</form>`;
}

export function conflictCard(
  c: ConflictRow,
  entries: Map<string, CatalogEntry>,
  session: ConsoleSession,
  back: string,
): Html {
  const entry = (name: string) => entries.get(catalogKey({ kind: c.kind, source: c.source, name }));
  const settled = entry(c.newName);
  const form =
    settled && (settled.status === 'merged' || settled.status === 'rejected')
      ? closeForm(c, settled, session, back)
      : decideForm(c, session, back);
  return html`<article class="conflict" id="conflict-${c.id}" tabindex="-1" aria-labelledby="title-${c.id}">
  <h2 id="title-${c.id}"><a href="/conflicts/${encodeURIComponent(c.id)}"><code>${c.newName}</code> ↔ <code>${c.existingName}</code></a></h2>
  <p class="meta">${what(c)} · score <strong>${c.score.toFixed(2)}</strong> · detected ${when(c.detectedAt)} · <span class="status status-${c.status}">${c.status}</span></p>
  <ul class="reasons">${c.reasons.map((r) => html`<li>${describeReason(r)}</li>`)}</ul>
  ${
    c.reasons.some((r) => r.kind === 'synonym' || r.kind === 'abbreviation' || r.kind === 'generic_suffix')
      ? html`<p class="hint">A vocabulary rule fired. If it is wrong, change it in <code>vocabulary/maritime.yaml</code>: rejecting this pair does not.</p>`
      : ''
  }
  <div class="pair">${side('New', c.newName, entry(c.newName))}${side('Existing', c.existingName, entry(c.existingName))}</div>
  ${
    c.status === 'open'
      ? form
      : html`<p class="decided">${DECISION_WORDS[c.decision ?? 'approve']} by <strong>${c.decidedBy ?? ''}</strong> ${when(c.decidedAt)}${c.note ? html`: <q>${c.note}</q>` : ''}</p>`
  }
</article>`;
}

/** What a decision just did, on the page the decision redirected to. */
const decidedNotice = (c: ConflictRow): Html =>
  html`<p class="notice" role="status">${DECISION_WORDS[c.decision ?? 'approve']} <code>${c.newName}</code> ↔ <code>${c.existingName}</code>. The next discovery run publishes the change as a schema snapshot.</p>`;

async function entriesFor(db: WarehouseSession, conflicts: readonly ConflictRow[]) {
  return catalogEntries(
    db,
    conflicts.flatMap((c) => [
      { kind: c.kind, source: c.source, name: c.newName },
      { kind: c.kind, source: c.source, name: c.existingName },
    ]),
  );
}

const getQueue = describeRoute({
  summary: 'the console’s review queue (HTML): conflicts with both names side by side and decision buttons',
  tags: ['console'],
  access: 'console',
  query: QueueQuery,
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

reviewViews.get('/', getQueue, async (c) => {
  const q = getQueue.query(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse } = c.var.deps;
  const filter = {
    status: q.status === 'all' ? undefined : q.status,
    kind: q.kind || undefined,
    source: q.kind === 'field' && q.source ? q.source : q.kind === 'entity_type' ? '' : undefined,
  };
  const [conflicts, total, sources, decided] = [
    await listConflicts(warehouse, { ...filter, limit: PAGE, offset: q.offset }),
    await countConflicts(warehouse, filter),
    await catalogSources(warehouse),
    q.decided ? await getConflict(warehouse, q.decided) : null,
  ];
  const entries = await entriesFor(warehouse, conflicts);
  const url = new URL(c.req.url);
  const back = url.pathname + url.search.replace(/([?&])decided=[^&]*&?/, '$1').replace(/[?&]$/, '');
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const body = html`
${decided ? decidedNotice(decided) : ''}
<form method="get" action="/" class="filters" aria-label="Filter conflicts">
  <label>Status <select name="status">${option('open', 'open', q.status)}${option('approved', 'approved', q.status)}${option('rejected', 'rejected', q.status)}${option('merged', 'merged', q.status)}${option('all', 'all', q.status)}</select></label>
  <label>Kind <select name="kind">${option('', 'any', q.kind)}${option('entity_type', 'entity types', q.kind)}${option('field', 'fields', q.kind)}</select></label>
  <label>Source <select name="source">${option('', 'any', q.source)}${sources.map((s) => option(s, s, q.source))}</select></label>
  <button type="submit">Filter</button>
</form>
<p class="help">Approve keeps both names, reject marks the new name rejected, merge makes it an alias of the existing one.
Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>a</kbd> approve, <kbd>r</kbd> reject, <kbd>m</kbd> merge.</p>
${pager('/', { status: q.status, kind: q.kind, source: q.source }, { limit: PAGE, offset: q.offset, total })}
<section id="queue" aria-label="Conflicts">
${conflicts.length === 0 && total > 0 ? '' : conflicts.length === 0 ? html`<p id="empty">Nothing to review${q.status === 'open' ? '' : ' with these filters'}.</p>` : conflicts.map((x) => conflictCard(x, entries, session, back))}
</section>`;
  return page(c, { title: 'Review queue', view: 'review', session, body });
});

const ConflictParams = z.object({ id: z.string().min(1) });

const getOne = describeRoute({
  summary: 'one conflict in the console (HTML), where the Slack digest links to',
  tags: ['console'],
  access: 'console',
  params: ConflictParams,
  query: z.object({ decided: z.string().optional() }),
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

reviewViews.get('/conflicts/:id', getOne, async (c) => {
  const { id } = getOne.params(c);
  const session = c.var.session as ConsoleSession;
  const conflict = await getConflict(c.var.deps.warehouse, id);
  if (!conflict) throw new AppError('not_found', `no conflict ${id}`);
  const entries = await entriesFor(c.var.deps.warehouse, [conflict]);
  const justDecided = getOne.query(c).decided === id && conflict.status !== 'open';
  const body = html`${justDecided ? decidedNotice(conflict) : ''}${conflictCard(conflict, entries, session, `/conflicts/${encodeURIComponent(id)}`)}
<p><a href="/">Back to the review queue</a></p>`;
  return page(c, { title: 'Conflict', view: 'review', session, body });
});

const DecideForm = z.object({
  decision: DecisionKind,
  note: z.string().max(2000).optional(),
  back: z.string().optional(),
  csrf: z.string(),
});

const postDecide = describeRoute({
  summary: 'decide a conflict from the console (a form post; answers 303 back to the queue)',
  tags: ['console'],
  access: 'console',
  params: ConflictParams,
  form: DecideForm,
  responses: {
    303: { description: 'back to the page the form was on, saying what was decided' },
    409: { description: 'already decided' },
  },
});

reviewViews.post('/conflicts/:id/decide', postDecide, async (c) => {
  const { id } = postDecide.params(c);
  const form = await postDecide.form(c);
  const session = c.var.session as ConsoleSession;
  const { deps } = c.var;
  const note = form.note?.trim() ? form.note.trim() : undefined;
  const result = await decideConflict(
    deps.warehouse,
    id,
    { decision: form.decision, by: session.by, note },
    deps.clock(),
  );
  deps.log.info('conflict decided', {
    id,
    decision: form.decision,
    by: session.by,
    effect: result.effect,
    via: 'console',
  });
  const back = new URL(form.back?.startsWith('/') && !form.back.startsWith('//') ? form.back : '/', c.req.url);
  back.searchParams.set('decided', id);
  return c.redirect(back.pathname + back.search, 303);
});
