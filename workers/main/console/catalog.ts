// The console's catalog: entity types and fields in one table, searched, filtered and paged in the warehouse
// (browseCatalog: one page leaves it, whatever the catalog's size), and each name's history across the
// published versions (the same as /api/schema/entity-types/:name and /api/schema/fields/:source/:name).
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import {
  browseCatalog,
  type CatalogEntry,
  type CatalogFilter,
  CatalogKind,
  catalogEntries,
  catalogKey,
  catalogSources,
} from '../../../lib/discovery/catalog-tables/browse.ts';
import { type EntryKey, EntryStatus } from '../../../lib/discovery/snapshot.ts';
import { AppError } from '../../../lib/errors.ts';
import { entityTypeHistory, fieldHistory, type HistoryEvent, type NameHistory } from '../../../lib/schema/read.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { count, type Html, page, pager, when } from './layout.ts';
import { historyHref } from './schema.ts';
import type { ConsoleSession } from './session.ts';

export const catalogViews = new Hono<AppEnv>();

const PAGE = 50;
const EXAMPLES = 3;

const HTML_PAGE = { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } } as const;

const CatalogQuery = z.object({
  q: z.string().max(200).optional(),
  kind: z.union([CatalogKind, z.literal('')]).optional(),
  status: z.union([EntryStatus, z.literal('')]).optional(),
  source: z.string().optional(),
  offset: z.coerce.number().int().min(0).default(0),
});

const keyOf = (e: CatalogEntry): EntryKey =>
  e.kind === 'entity_type' ? { kind: 'entity_type', name: e.name } : { kind: 'field', source: e.source, name: e.name };

const examples = (e: CatalogEntry) =>
  e.examples.length === 0
    ? ''
    : html`<ul class="examples">${e.examples.slice(0, EXAMPLES).map((x) => html`<li><q>${x}</q></li>`)}</ul>`;

const statusOf = (e: CatalogEntry) =>
  html`<span class="status status-${e.status}">${e.status}</span>${e.mergedInto ? html` into <code>${e.mergedInto}</code>` : ''}`;

const seen = (e: CatalogEntry) =>
  e.kind === 'field'
    ? `${count(e.occurrences)} values in ${count(e.spread)} loads`
    : `${count(e.occurrences)} annotations in ${count(e.spread)} documents`;

function entryRow(e: CatalogEntry): Html {
  return html`<tr>
  <td><a href="${historyHref(keyOf(e))}"><code>${e.name}</code></a>${e.description ? html`<div class="help">${e.description}</div>` : ''}</td>
  <td>${e.kind === 'field' ? 'field' : 'entity type'}</td>
  <td>${e.kind === 'field' ? html`<code>${e.source}</code>` : ''}</td>
  <td>${e.type ? html`<code>${e.type}</code>` : ''}</td>
  <td>${statusOf(e)}</td>
  <td class="num">${count(e.occurrences)}</td>
  <td class="num">${count(e.spread)}</td>
  <td>${when(e.firstSeen)}</td>
  <td>${when(e.lastSeen)}</td>
  <td>${examples(e)}</td>
</tr>`;
}

const getCatalog = describeRoute({
  summary: 'the console’s catalog (HTML): entity types and fields, searched (`q`), filtered and paged (50 a page)',
  tags: ['console'],
  access: 'console',
  query: CatalogQuery,
  responses: HTML_PAGE,
});

catalogViews.get('/catalog', getCatalog, async (c) => {
  const q = getCatalog.query(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse } = c.var.deps;
  const search = q.q?.trim();
  const filter: CatalogFilter = {
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.source ? { source: q.source } : {}),
    ...(search ? { q: search } : {}),
  };
  const [{ entries, total }, sources] = [
    await browseCatalog(warehouse, filter, { limit: PAGE, offset: q.offset }),
    await catalogSources(warehouse),
  ];
  const option = (value: string, label: string, current: string | undefined) =>
    html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const query = { q: q.q, kind: q.kind, status: q.status, source: q.source };
  const body = html`<form method="get" action="/catalog" class="search" role="search" aria-label="Search the catalog">
  <label>Search <input type="search" name="q" value="${q.q ?? ''}" maxlength="200" placeholder="a name or a word of its description"></label>
  <label>Kind <select name="kind">${option('', 'any', q.kind)}${option('entity_type', 'entity types', q.kind)}${option('field', 'fields', q.kind)}</select></label>
  <label>Status <select name="status">${option('', 'any', q.status)}${EntryStatus.options.map((s) => option(s, s, q.status))}</select></label>
  <label>Source <select name="source">${option('', 'any', q.source)}${sources.map((s) => option(s, s, q.source))}</select></label>
  <button type="submit">Search</button>
</form>
${pager('/catalog', query, { limit: PAGE, offset: q.offset, total })}
${
  entries.length === 0 && total > 0
    ? ''
    : entries.length === 0
      ? html`<p id="empty">No names${filter.q || filter.kind || filter.status || filter.source ? ' match these filters' : ' in the catalog yet'}.</p>`
      : html`<div class="scroll"><table class="data names" id="catalog">
<thead><tr><th>Name</th><th>Kind</th><th>Source</th><th>Type</th><th>Status</th><th class="num">Seen</th><th class="num">In</th><th>First seen</th><th>Last seen</th><th>Examples</th></tr></thead>
<tbody>${entries.map(entryRow)}</tbody>
</table></div>
${total > PAGE ? pager('/catalog', query, { limit: PAGE, offset: q.offset, total }) : ''}`
}
<p class="help">Seen: annotations (entity types) or values (fields); in: documents or loads.</p>`;
  return page(c, { title: 'Catalog', view: 'catalog', session, body });
});

// ---- one name's history ------------------------------------------------------------------------------

const EVENT_WORDS: Record<HistoryEvent['event'], string> = {
  appeared: 'appeared',
  removed: 'removed',
  merged_into: 'merged',
  unmerged: 'unmerged',
  status_changed: 'status',
  description_changed: 'description',
  type_changed: 'type',
  kind_changed: 'kind',
  merge_target: 'alias added',
  alias_left: 'alias left',
};

function historyPage(entry: CatalogEntry | undefined, found: NameHistory): Html {
  const e = entry;
  return html`${
    e
      ? html`<dl class="entry">
  <dt>Kind</dt><dd>${e.kind === 'field' ? html`field of <code>${e.source}</code>` : 'entity type'}</dd>
  <dt>Status</dt><dd>${statusOf(e)}</dd>
  ${e.type ? html`<dt>Type</dt><dd><code>${e.type}</code></dd>` : ''}
  <dt>Seen</dt><dd>${seen(e)}</dd>
  <dt>First / last</dt><dd>${when(e.firstSeen)} / ${when(e.lastSeen)}</dd>
  ${e.description ? html`<dt>Description</dt><dd>${e.description}</dd>` : ''}
  <dt>Examples</dt><dd>${e.examples.length > 0 ? examples(e) : 'none yet'}</dd>
</dl>`
      : html`<p class="help">No longer in the catalog tables.</p>`
  }
<h2>History</h2>
${
  found.history.length === 0
    ? html`<p id="unpublished">Not in any published schema version yet.</p>`
    : html`<ol class="history">${found.history.map(
        (
          h,
        ) => html`<li><a href="/schema/versions/${h.version}">v${h.version}</a> <code>${h.semver}</code> · ${when(h.publishedAt)}
  <ul class="changes">${h.events.map((ev) => html`<li><span class="change-kind change-${ev.event}">${EVENT_WORDS[ev.event]}</span> ${ev.reason}</li>`)}</ul></li>`,
      )}</ol>`
}`;
}

async function answerHistory(c: Context<AppEnv>, key: EntryKey, found: NameHistory): Promise<Response> {
  const session = c.var.session as ConsoleSession;
  const source = key.kind === 'field' ? key.source : '';
  const entries = await catalogEntries(c.var.deps.warehouse, [{ kind: key.kind, source, name: key.name }]);
  const entry = entries.get(catalogKey({ kind: key.kind, source, name: key.name }));
  const label = key.kind === 'field' ? `field ${key.source}.${key.name}` : `entity type ${key.name}`;
  if (!entry && found.history.length === 0) throw new AppError('not_found', `no ${label} in the catalog`);
  const api =
    key.kind === 'field'
      ? `/api/schema/fields/${encodeURIComponent(key.source)}/${encodeURIComponent(key.name)}`
      : `/api/schema/entity-types/${encodeURIComponent(key.name)}`;
  const body = html`${historyPage(entry, found)}
${found.history.length > 0 ? html`<p class="api-links">API: <a href="${api}">${api}</a></p>` : ''}
<p><a href="/catalog">Back to the catalog</a></p>`;
  const title = key.kind === 'field' ? `Field ${key.source}.${key.name}` : `Entity type ${key.name}`;
  return page(c, { title, view: 'catalog', session, body });
}

const getEntityType = describeRoute({
  summary: 'one entity type in the console (HTML): its catalog entry and its history across versions',
  tags: ['console'],
  access: 'console',
  params: z.object({ name: z.string().min(1) }),
  responses: { ...HTML_PAGE, 404: { description: 'neither in the catalog nor in any version' } },
});

catalogViews.get('/catalog/entity-types/:name', getEntityType, async (c) => {
  const { name } = getEntityType.params(c);
  return answerHistory(c, { kind: 'entity_type', name }, await entityTypeHistory(c.var.deps.warehouse, name));
});

const getField = describeRoute({
  summary: 'one field in the console (HTML): its catalog entry and its history across versions',
  tags: ['console'],
  access: 'console',
  params: z.object({ source: z.string().min(1), name: z.string().min(1) }),
  responses: { ...HTML_PAGE, 404: { description: 'neither in the catalog nor in any version' } },
});

catalogViews.get('/catalog/fields/:source/:name', getField, async (c) => {
  const { source, name } = getField.params(c);
  return answerHistory(c, { kind: 'field', source, name }, await fieldHistory(c.var.deps.warehouse, source, name));
});
