import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSnapshot } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import {
  type Bump,
  type Catalog,
  type CatalogEntityType,
  type CatalogField,
  contentHash,
  diffCatalogs,
} from '../../lib/discovery/snapshot.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';
import { workerCall } from './console-client.ts';

const ORIGIN = 'http://localhost';
const HOSTILE = `<script>alert(1)</script> "q" 'a' & b`;
const HOSTILE_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &#39;a&#39; &amp; b';
const HOSTILE_FIELD = `x"<y>&z`;

let db: { url: string; warehouse: Warehouse };
let cookie = '';

const call = workerCall(ORIGIN, () => db.url);

/** A console page, signed in; its status and body. */
async function view(path: string): Promise<{ status: number; body: string }> {
  const r = await call(path, { headers: { cookie } });
  return { status: r.status, body: await r.text() };
}

/** The rows of the table with this id. */
function rows(body: string, id: string): string[] {
  const table = new RegExp(`<table class="data[^"]*" id="${id}">[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(body);
  return table ? [...(table[1] as string).matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1] as string) : [];
}

const entity = (name: string, status: CatalogEntityType['status'] = 'active'): CatalogEntityType => ({
  name,
  status,
  description: null,
  mergedInto: null,
});
const field = (name: string, type = 'VARCHAR'): CatalogField => ({
  source: 'registry',
  name,
  kind: 'structured',
  type,
  status: 'active',
  description: null,
  mergedInto: null,
});

const V1: Catalog = {
  entityTypes: [entity(HOSTILE, 'candidate'), entity('VESSEL_NAME')],
  fields: [field('imo', 'BIGINT'), field(HOSTILE_FIELD)],
};
const V2: Catalog = {
  entityTypes: [entity(HOSTILE), entity('FLAG_STATE'), entity('VESSEL_NAME')],
  fields: [...V1.fields, field('flag')],
};
const V3: Catalog = { entityTypes: V2.entityTypes.filter((e) => e.name !== 'FLAG_STATE'), fields: V2.fields };

async function publish(
  version: number,
  semver: string,
  bump: Bump,
  at: string,
  catalog: Catalog,
  previous: Catalog | null,
) {
  await insertSnapshot(db.warehouse, {
    version,
    semver,
    bump,
    publishedAt: new Date(at),
    catalog,
    diff: diffCatalogs(previous ?? { entityTypes: [], fields: [] }, catalog),
    contentHash: await contentHash(catalog),
    previousHash: previous ? await contentHash(previous) : null,
    runId: null,
    stats: null,
    views: null,
  });
}

beforeAll(async () => {
  db = await migratedDatabase('console_schema');
  await publish(1, '0.1.0', 'minor', '2026-11-01T10:00:00Z', V1, null);
  await publish(2, '0.2.0', 'minor', '2026-11-10T10:00:00Z', V2, V1);
  await publish(3, '1.0.0', 'major', '2026-11-20T10:00:00Z', V3, V2);
  // 120 entity types TYPE_000..TYPE_119 (every tenth a candidate), the hostile one, and four fields.
  await db.warehouse.execute(
    `INSERT INTO entity_types (name, status, occurrence_count, document_count, first_seen, last_seen, examples, created_at, updated_at)
     SELECT 'TYPE_' || lpad(i::VARCHAR, 3, '0'), CASE WHEN i % 10 = 0 THEN 'candidate' ELSE 'active' END, i, 1,
            TIMESTAMPTZ '2026-11-01 10:00:00+00', TIMESTAMPTZ '2026-11-02 10:00:00+00', '["e1"]', now(), now()
     FROM range(120) AS t(i)`,
  );
  await db.warehouse.execute(
    `INSERT INTO entity_types (name, status, occurrence_count, document_count, examples, created_at, updated_at)
     VALUES ($1::VARCHAR, 'active', 4, 2, $2::VARCHAR::JSON, now(), now())`,
    [HOSTILE, JSON.stringify([`<b>one</b>`, 'two "2" & 2', 'three', 'FOURTH_EXAMPLE'])],
  );
  for (const [name, type] of [
    ['imo', 'BIGINT'],
    ['flag', 'VARCHAR'],
    [HOSTILE_FIELD, 'VARCHAR'],
  ] as const) {
    await db.warehouse.execute(
      `INSERT INTO field_definitions (source, name, kind, inferred_type, occurrence_count, load_count, status, examples, created_at, updated_at)
       VALUES ('registry', $1::VARCHAR, 'structured', $2::VARCHAR, 10, 2, 'active', '["9703291"]', now(), now())`,
      [name, type],
    );
  }
  await db.warehouse.execute(
    `INSERT INTO field_definitions (source, name, kind, inferred_type, occurrence_count, status, created_at, updated_at)
     VALUES ('manifests', 'port', 'structured', 'VARCHAR', 3, 'candidate', now(), now())`,
  );

  const signIn = await call('/sign-in', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ by: 'Tess', token: TEST_API_TOKEN, next: '/schema' }).toString(),
  });
  expect(signIn.status).toBe(303);
  cookie = /ls_console=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
  expect(cookie).not.toBe('');
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

describe('the console without a session', () => {
  it.each([
    '/schema',
    '/schema/versions/1',
    '/schema/at?at=2026-11-15',
    '/catalog?q=TYPE',
    '/catalog/entity-types/VESSEL_NAME',
  ])('sends %s to sign in and back', async (path) => {
    const r = await call(path);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent(path)}`);
  });
});

describe('the schema timeline', () => {
  it('lists the versions newest first with semver, bump, date and counts, each linking to its page', async () => {
    const { status, body } = await view('/schema');
    expect(status).toBe(200);
    const cells = rows(body, 'versions').map((r) =>
      [...r.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => (m[1] as string).replace(/<[^>]+>/g, '').trim()),
    );
    expect(cells).toEqual([
      ['v3', '1.0.0', 'major', '2026-11-20 10:00 UTC', '2', '3', '1'],
      ['v2', '0.2.0', 'minor', '2026-11-10 10:00 UTC', '3', '3', '3'],
      ['v1', '0.1.0', 'minor', '2026-11-01 10:00 UTC', '2', '2', '4'],
    ]);
    expect(body).toContain('<a href="/schema/versions/3">v3</a>');
    expect(body).toContain('<input type="date" name="at" required value="">');
    expect(body).toContain('<form method="get" action="/schema/diff"');
  });

  it('shows a version’s changes in words, its bump and its Mermaid source for the diagram script', async () => {
    const { status, body } = await view('/schema/versions/2');
    expect(status).toBe(200);
    expect(body).toContain('<span class="bump bump-minor">minor</span>');
    expect(body).toContain('entity type FLAG_STATE first seen');
    expect(body).toContain('field registry.flag first seen');
    expect(body).toContain(`entity type ${HOSTILE_ESCAPED}: status candidate → active`);
    expect(body).toContain('<a href="/catalog/entity-types/FLAG_STATE">history</a>');
    expect(body).toMatch(
      /<figure class="diagram"><p class="diagram-status">The diagram is drawn with JavaScript; its Mermaid source:<\/p><pre class="mermaid-source" data-alt="Entity-relationship diagram of schema v2[^"]*">erDiagram\n/,
    );
    expect(body).toContain('    VARCHAR flag &quot;flag (active)&quot;\n');
    expect(body).toContain('    VARCHAR x_y_z &quot;x#34;#60;y#62;#38;z (active)&quot;\n');
    expect(body).toContain('<script src="/console/console.js" defer></script>');
    expect(body).toContain('<a href="/api/schema/versions/2?format=mermaid">mermaid</a>');
  });

  it('keeps the page’s CSP strict: Mermaid draws in a frame of this origin, the page allows no inline style', async () => {
    const r = await call('/schema/versions/2', { headers: { cookie } });
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("frame-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(await r.text()).not.toMatch(/<script>|<style>| style="/);
  });

  it('says a major version removed a name, and 404s for a version never published', async () => {
    const { body } = await view('/schema/versions/3');
    expect(body).toContain('<span class="bump bump-major">major</span>');
    expect(body).toContain('entity type FLAG_STATE no longer in the catalog');
    expect((await view('/schema/versions/9')).status).toBe(404);
  });

  it('compares any two versions, either way', async () => {
    const forward = await view('/schema/diff?from=1&to=3');
    expect(forward.status).toBe(200);
    expect(forward.body).toContain('field registry.flag first seen');
    expect(forward.body).not.toContain('FLAG_STATE');
    expect(forward.body).toContain('<span class="bump bump-minor">minor</span>');
    const backward = await view('/schema/diff?from=3&to=2');
    expect(backward.body).toContain('entity type FLAG_STATE first seen');
    expect(backward.body).toContain('backward');
    expect((await view('/schema/diff?from=1&to=7')).status).toBe(404);
  });

  it.each([
    ['2026-10-31', null],
    ['2026-11-01', 1],
    ['2026-11-09', 1],
    ['2026-11-10', 2],
    ['2026-11-19', 2],
    ['2026-12-25', 3],
  ])('shows the schema in force at the end of %s (v%s)', async (at, version) => {
    const { status, body } = await view(`/schema/at?at=${at}`);
    expect(status).toBe(200);
    expect(body).toContain(`<input type="date" name="at" required value="${at}">`);
    if (version === null) {
      expect(body).toContain(
        'No schema version was in force at 2026-10-31 23:59 UTC: the first, <a href="/schema/versions/1">v1</a>, was published 2026-11-01 10:00 UTC.',
      );
      expect(rows(body, 'entity-types')).toEqual([]);
      return;
    }
    expect(body).toContain(`<a href="/schema/versions/${version}">v${version}</a>`);
    expect(body).toContain(`<a href="/api/schema/at/${at}">/api/schema/at/${at}</a>`);
    const names = rows(body, 'entity-types').map((r) => /<code>([\s\S]*?)<\/code>/.exec(r)?.[1]);
    const expected = { 1: V1, 2: V2, 3: V3 }[version] as Catalog;
    expect(names).toEqual(expected.entityTypes.map((e) => (e.name === HOSTILE ? HOSTILE_ESCAPED : e.name)).sort());
    expect(rows(body, 'fields')).toHaveLength(expected.fields.length);
  });

  it('refuses a date that is not one', async () => {
    const { status, body } = await view('/schema/at?at=2026-02-30');
    expect(status).toBe(400);
    expect(body).toContain('not an instant: &quot;2026-02-30&quot;');
  });
});

describe('the catalog', () => {
  const names = (body: string) => rows(body, 'catalog').map((r) => /<code>([\s\S]*?)<\/code>/.exec(r)?.[1]);

  it('pages 50 names at a time over every entity type and field', async () => {
    const first = await view('/catalog');
    expect(first.status).toBe(200);
    expect(names(first.body)).toHaveLength(50);
    expect(first.body).toContain('<span>1–50 of 125</span>');
    expect(first.body).toContain('<a href="/catalog?offset=50" rel="next">Next</a>');
    const last = await view('/catalog?offset=100');
    expect(names(last.body)).toHaveLength(25);
    expect(last.body).toContain('<span>101–125 of 125</span>');
  });

  it('searches names (prefix matches first) and keeps the search when paging', async () => {
    const { body } = await view('/catalog?q=type_11');
    expect(names(body)).toEqual([...Array(10)].map((_, i) => `TYPE_11${i}`));
    expect(body).toContain('<input type="search" name="q" value="type_11"');
    const paged = await view('/catalog?q=TYPE&offset=50');
    expect(paged.body).toContain('<span>51–100 of 120</span>');
    expect(paged.body).toContain('<a href="/catalog?q=TYPE&amp;offset=100" rel="next">Next</a>');
    const none = await view('/catalog?q=nothing-like-this');
    expect(none.body).toContain('No names match these filters.');
  });

  it('filters by kind, status and source', async () => {
    const fields = await view('/catalog?kind=field');
    expect(names(fields.body)).toEqual(['flag', 'imo', 'port', 'x&quot;&lt;y&gt;&amp;z']);
    const candidates = await view('/catalog?status=candidate');
    expect(candidates.body).toContain('<span>1–13 of 13</span>');
    const registry = await view('/catalog?kind=field&source=manifests');
    expect(names(registry.body)).toEqual(['port']);
    expect(registry.body).toContain('<option value="manifests" selected>manifests</option>');
  });

  it('shows type, counts, first and last seen and the first three examples, quoted', async () => {
    const { body } = await view('/catalog?q=imo');
    const [row] = rows(body, 'catalog');
    expect(row).toContain('<code>BIGINT</code>');
    expect(row).toContain('<q>9703291</q>');
    const t = rows((await view('/catalog?q=TYPE_005')).body, 'catalog')[0];
    expect(t).toContain('2026-11-01 10:00 UTC');
    expect(t).toContain('2026-11-02 10:00 UTC');
    expect(t).toContain('<td class="num">5</td>');
  });

  it('shows a name’s entry and its history across versions, and 404s for a name it never had', async () => {
    const { status, body } = await view('/catalog/entity-types/FLAG_STATE');
    expect(status).toBe(200);
    expect(body).toContain('No longer in the catalog tables.');
    expect(body).toMatch(/<a href="\/schema\/versions\/2">v2<\/a>[\s\S]*entity type FLAG_STATE first seen/);
    expect(body).toMatch(
      /<a href="\/schema\/versions\/3">v3<\/a>[\s\S]*entity type FLAG_STATE no longer in the catalog/,
    );
    expect(body).toContain('<a href="/api/schema/entity-types/FLAG_STATE">');
    const f = await view('/catalog/fields/registry/imo');
    expect(f.status).toBe(200);
    expect(f.body).toContain('<dd><code>BIGINT</code></dd>');
    expect(f.body).toContain('field registry.imo first seen');
    const t = await view('/catalog/entity-types/TYPE_001');
    expect(t.body).toContain('Not in any published schema version yet.');
    expect((await view('/catalog/entity-types/NEVER_SEEN')).status).toBe(404);
  });
});

describe('a hostile name', () => {
  const pages = [
    '/schema/versions/1',
    '/schema/versions/2',
    '/schema/at?at=2026-11-15',
    `/catalog?q=${encodeURIComponent('<script>')}`,
    `/catalog/entity-types/${encodeURIComponent(HOSTILE)}`,
    `/catalog/fields/registry/${encodeURIComponent(HOSTILE_FIELD)}`,
  ];

  it.each(pages)('is escaped on %s', async (path) => {
    const { status, body } = await view(path);
    expect(status).toBe(200);
    expect(body).not.toContain('<script>alert');
    expect(body).not.toContain('x"<y>');
    expect(body).not.toContain('<b>one</b>');
    expect(body.includes(HOSTILE_ESCAPED) || body.includes('x&quot;&lt;y&gt;&amp;z')).toBe(true);
  });

  it('links to its history page, which opens', async () => {
    const { body } = await view(`/catalog?q=${encodeURIComponent('<script>')}`);
    const [row] = rows(body, 'catalog');
    expect(row).toContain(`<a href="/catalog/entity-types/${encodeURIComponent(HOSTILE).replaceAll("'", '&#39;')}">`);
    expect(row).toContain('<q>&lt;b&gt;one&lt;/b&gt;</q>');
    expect(row).toContain('<q>two &quot;2&quot; &amp; 2</q>');
    expect(row).not.toContain('FOURTH_EXAMPLE');
    const history = await view(`/catalog/entity-types/${encodeURIComponent(HOSTILE)}`);
    expect(history.body).toContain(`<h1>Entity type ${HOSTILE_ESCAPED}</h1>`);
    expect(history.body).toContain(`entity type ${HOSTILE_ESCAPED}: status candidate → active`);
  });
});
