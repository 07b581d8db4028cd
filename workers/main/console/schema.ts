// The console's schema timeline: the published versions newest first, one version's changes in words with
// its Mermaid ER diagram, the difference between any two versions, and the schema in force at the end of
// any day (the same reads as /api/schema/*).
import { Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { type Change, describeChange, type EntryKey } from '../../../lib/discovery/snapshot.ts';
import { AppError } from '../../../lib/errors.ts';
import type { SchemaDocument } from '../../../lib/schema/document.ts';
import { renderMermaid } from '../../../lib/schema/formats/mermaid.ts';
import { INSTANT_FORMS, parseInstant } from '../../../lib/schema/instant.ts';
import {
  diffVersions,
  documentAt,
  documentOf,
  listVersions,
  snapshotForVersion,
  type VersionSummary,
} from '../../../lib/schema/read.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { count, type Html, page, pager, when } from './layout.ts';
import type { ConsoleSession } from './session.ts';

export const schemaViews = new Hono<AppEnv>();

const PAGE = 25;
/** How many versions the compare form offers (newest first). */
const COMPARE_CHOICES = 200;

const HTML_PAGE = { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } } as const;

const VersionNumber = z.coerce.number().int().min(1);

/** Where a name's history page is. */
export const historyHref = (key: EntryKey): string =>
  key.kind === 'entity_type'
    ? `/catalog/entity-types/${encodeURIComponent(key.name)}`
    : `/catalog/fields/${encodeURIComponent(key.source)}/${encodeURIComponent(key.name)}`;

const bumpBadge = (bump: string | null) =>
  bump ? html`<span class="bump bump-${bump}">${bump}</span>` : html`<span class="bump">no change</span>`;

/** One typed change in words (its reason, as the digest says it), with a link to the name's history. */
function changeItem(c: Change): Html {
  return html`<li class="change"><span class="change-kind change-${c.change}">${c.change}</span> ${describeChange(c)} <a href="${historyHref(c.key)}">history</a></li>`;
}

function changeList(changes: readonly Change[]): Html {
  if (changes.length === 0) return html`<p>No changes: the two catalogs are the same.</p>`;
  return html`<ul class="changes">${changes.map(changeItem)}</ul>`;
}

const apiLinks = (n: number) =>
  html`<p class="api-links">API: ${(['json', 'markdown', 'mermaid'] as const).map(
    (f, i) => html`${i > 0 ? ' · ' : ''}<a href="/api/schema/versions/${n}?format=${f}">${f}</a>`,
  )}</p>`;

const option = (value: number, current: number | undefined) =>
  html`<option value="${value}"${value === current ? html` selected` : ''}>v${value}</option>`;

function compareForm(versions: readonly VersionSummary[], from: number | undefined, to: number | undefined): Html {
  if (versions.length < 2) return html``;
  return html`<form method="get" action="/schema/diff" class="filters" aria-label="Compare two versions">
  <label>Compare <select name="from">${versions.map((v) => option(v.version, from))}</select></label>
  <label>with <select name="to">${versions.map((v) => option(v.version, to))}</select></label>
  <button type="submit">Compare</button>
</form>`;
}

const atForm = (
  at: string | undefined,
) => html`<form method="get" action="/schema/at" class="filters" aria-label="The schema at a date">
  <label>Schema as of the end of <input type="date" name="at" required value="${at ?? ''}"></label>
  <button type="submit">Show</button>
</form>`;

// ---- the timeline ------------------------------------------------------------------------------------

const getTimeline = describeRoute({
  summary: 'the console’s schema timeline (HTML): published versions newest first, paged',
  tags: ['console'],
  access: 'console',
  query: z.object({ offset: z.coerce.number().int().min(0).default(0) }),
  responses: HTML_PAGE,
});

schemaViews.get('/schema', getTimeline, async (c) => {
  const { offset } = getTimeline.query(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse } = c.var.deps;
  const { versions, total } = await listVersions(warehouse, { limit: PAGE, offset });
  const choices = total > 1 ? (await listVersions(warehouse, { limit: COMPARE_CHOICES, offset: 0 })).versions : [];
  const rows = versions.map(
    (v) => html`<tr>
  <td><a href="/schema/versions/${v.version}">v${v.version}</a></td>
  <td><code>${v.semver}</code></td>
  <td>${bumpBadge(v.bump)}</td>
  <td>${when(v.publishedAt)}</td>
  <td class="num">${count(v.summary.entityTypes)}</td>
  <td class="num">${count(v.summary.fields)}</td>
  <td class="num">${count(v.summary.changes)}</td>
</tr>`,
  );
  const body = html`${atForm(undefined)}
${compareForm(choices, choices[1]?.version, choices[0]?.version)}
${
  total === 0
    ? html`<p id="empty">No schema version has been published yet: the first discovery run that finds names publishes v1.</p>`
    : html`${pager('/schema', {}, { limit: PAGE, offset, total })}
<div class="scroll"><table class="data" id="versions">
<thead><tr><th>Version</th><th>Semver</th><th>Bump</th><th>Published</th><th class="num">Entity types</th><th class="num">Fields</th><th class="num">Changes</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`
}
<p class="api-links">API: <a href="/api/schema/versions">/api/schema/versions</a> · <a href="/api/schema/current">/api/schema/current</a></p>`;
  return page(c, { title: 'Schema timeline', view: 'schema', session, body });
});

// ---- one version -------------------------------------------------------------------------------------

const getVersion = describeRoute({
  summary: 'one schema version in the console (HTML): its changes in words and its Mermaid ER diagram',
  tags: ['console'],
  access: 'console',
  params: z.object({ n: VersionNumber }),
  responses: { ...HTML_PAGE, 404: { description: 'a version that was never published' } },
});

schemaViews.get('/schema/versions/:n', getVersion, async (c) => {
  const { n } = getVersion.params(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse } = c.var.deps;
  const row = await snapshotForVersion(warehouse, n);
  if (!row) throw new AppError('not_found', `no schema version ${n}`);
  const doc = documentOf(row);
  const { versions } = await listVersions(warehouse, { limit: COMPARE_CHOICES, offset: 0 });
  const alt = `Entity-relationship diagram of schema v${doc.version}: the warehouse tables and, per source, its ${count(doc.fields.length)} discovered fields`;
  const body = html`<p class="meta"><code>${doc.semver}</code> · ${bumpBadge(doc.bump)} · published ${when(doc.publishedAt)} · ${count(doc.entityTypes.length)} entity types · ${count(doc.fields.length)} fields</p>
${apiLinks(doc.version)}
<h2>Changes since ${n > 1 ? html`<a href="/schema/versions/${n - 1}">v${n - 1}</a>` : 'the empty catalog'}</h2>
${changeList(row.diff)}
${compareForm(versions, n > 1 ? n - 1 : n, n)}
<h2>Diagram</h2>
<figure class="diagram"><p class="diagram-status">The diagram is drawn with JavaScript; its Mermaid source:</p><pre class="mermaid-source" data-alt="${alt}">${renderMermaid(doc)}</pre></figure>
<p><a href="/schema">Back to the timeline</a></p>`;
  return page(c, { title: `Schema v${doc.version}`, view: 'schema', session, body });
});

// ---- any two versions ----------------------------------------------------------------------------------

const getDiff = describeRoute({
  summary: 'the difference between any two schema versions in the console (HTML)',
  tags: ['console'],
  access: 'console',
  query: z.object({ from: VersionNumber, to: VersionNumber }),
  responses: { ...HTML_PAGE, 404: { description: 'a version that was never published' } },
});

schemaViews.get('/schema/diff', getDiff, async (c) => {
  const { from, to } = getDiff.query(c);
  const session = c.var.session as ConsoleSession;
  const { warehouse } = c.var.deps;
  const diff = await diffVersions(warehouse, from, to);
  if ('missing' in diff) throw new AppError('not_found', `no schema version ${diff.missing}`);
  const { versions } = await listVersions(warehouse, { limit: COMPARE_CHOICES, offset: 0 });
  const direction =
    diff.direction === 'backward' ? html` (backward: the changes that lead back to the older catalog)` : '';
  const body = html`${compareForm(versions, from, to)}
<p class="meta">From <a href="/schema/versions/${from}">v${from}</a> (<code>${diff.from.semver}</code>) to <a href="/schema/versions/${to}">v${to}</a> (<code>${diff.to.semver}</code>)${direction} · ${bumpBadge(diff.bump)} · ${count(diff.changes.length)} changes</p>
${changeList(diff.changes)}
<p class="api-links">API: <a href="/api/schema/diff?from=${from}&to=${to}">/api/schema/diff?from=${from}&amp;to=${to}</a></p>
<p><a href="/schema">Back to the timeline</a></p>`;
  return page(c, { title: `Schema v${from} → v${to}`, view: 'schema', session, body });
});

// ---- the schema at a date ------------------------------------------------------------------------------

function documentTables(doc: SchemaDocument): Html {
  const entityRows = doc.entityTypes.map(
    (e) => html`<tr>
  <td><a href="${historyHref({ kind: 'entity_type', name: e.name })}"><code>${e.name}</code></a></td>
  <td><span class="status status-${e.status}">${e.status}</span>${e.mergedInto ? html` into <code>${e.mergedInto}</code>` : ''}</td>
  <td>${e.aliases.map((a, i) => html`${i > 0 ? ', ' : ''}<code>${a}</code>`)}</td>
  <td>${e.description ?? ''}</td>
</tr>`,
  );
  const fieldRows = doc.fields.map(
    (f) => html`<tr>
  <td><code>${f.source}</code></td>
  <td><a href="${historyHref({ kind: 'field', source: f.source, name: f.name })}"><code>${f.name}</code></a></td>
  <td><code>${f.type}</code></td>
  <td>${f.kind === 'structured' ? 'structured' : 'document metadata'}</td>
  <td><span class="status status-${f.status}">${f.status}</span>${f.mergedInto ? html` into <code>${f.mergedInto}</code>` : ''}</td>
  <td>${f.description ?? ''}</td>
</tr>`,
  );
  return html`<h2>Entity types (${count(doc.entityTypes.length)})</h2>
${
  doc.entityTypes.length === 0
    ? html`<p>None.</p>`
    : html`<div class="scroll"><table class="data names" id="entity-types">
<thead><tr><th>Name</th><th>Status</th><th>Aliases</th><th>Description</th></tr></thead>
<tbody>${entityRows}</tbody></table></div>`
}
<h2>Fields (${count(doc.fields.length)})</h2>
${
  doc.fields.length === 0
    ? html`<p>None.</p>`
    : html`<div class="scroll"><table class="data names" id="fields">
<thead><tr><th>Source</th><th>Name</th><th>Type</th><th>Kind</th><th>Status</th><th>Description</th></tr></thead>
<tbody>${fieldRows}</tbody></table></div>`
}`;
}

const getAt = describeRoute({
  summary: 'the schema in force at the end of a day, in the console (HTML)',
  description: `\`at\` is what /api/schema/at/:instant takes: ${INSTANT_FORMS}.`,
  tags: ['console'],
  access: 'console',
  query: z.object({ at: z.string().trim().min(1, 'pick a date') }),
  responses: { ...HTML_PAGE, 400: { description: 'not a date' } },
});

schemaViews.get('/schema/at', getAt, async (c) => {
  const { at } = getAt.query(c);
  const session = c.var.session as ConsoleSession;
  const instant = parseInstant(at);
  if (!(instant instanceof Date)) throw new AppError('bad_request', instant.error);
  const { warehouse } = c.var.deps;
  const doc = await documentAt(warehouse, instant);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(at) ? at : undefined;
  let content: Html;
  if (doc) {
    content = html`<p class="notice" role="status">In force at ${when(instant)}: <a href="/schema/versions/${doc.version}">v${doc.version}</a> (<code>${doc.semver}</code>), published ${when(doc.publishedAt)}.</p>
<p class="api-links">API: <a href="/api/schema/at/${encodeURIComponent(at)}">/api/schema/at/${at}</a></p>
${documentTables(doc)}`;
  } else {
    // Versions count from 1, so v1 is the first one published.
    const first = await snapshotForVersion(warehouse, 1);
    content = html`<p class="error" id="before-first" role="status">No schema version was in force at ${when(instant)}: ${
      first
        ? html`the first, <a href="/schema/versions/${first.version}">v${first.version}</a>, was published ${when(first.publishedAt)}.`
        : 'no version has been published yet.'
    }</p>`;
  }
  const body = html`${atForm(day)}
${content}
<p><a href="/schema">Back to the timeline</a></p>`;
  return page(c, { title: `Schema as of ${at}`, view: 'schema', session, body });
});
