// The schema context API through the main Worker's fetch: documents now, at an instant and at a version
// (from KV and from the warehouse), versions, diffs, histories; snapshots come from the discovery Worker's
// cron over real loads into the embedded warehouse.
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SchemaDocument, SchemaFormat } from '../../lib/schema/document.ts';
import { renderSchema } from '../../lib/schema/formats/index.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import discovery from '../../workers/discovery/index.ts';
import worker from '../../workers/main/index.ts';
import { migratedDatabase } from '../support/databases.ts';
import { deliver, discoveryEnv, fixtureBytes, putEvent, putObject } from './helpers.ts';

let db: { url: string; warehouse: Warehouse };

async function load(bucket: 'vessel-annotations' | 'vessel-csv', key: string, fixture: string): Promise<void> {
  const object = await putObject(bucket, key, await fixtureBytes(fixture));
  const delivery = await deliver([{ body: putEvent(bucket, key, object) }], { WAREHOUSE_URL: db.url });
  expect(delivery.explicitAcks).toHaveLength(1);
}

async function cron(): Promise<void> {
  const ctx = createExecutionContext();
  await discovery.scheduled(
    createScheduledController({ cron: '0 * * * *', scheduledTime: Date.now() }),
    discoveryEnv({ WAREHOUSE_URL: db.url, SLACK_WEBHOOK_URL: '' }),
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

async function api(path: string, headers: Record<string, string> = {}, extra: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, { headers }),
    { ...env, WAREHOUSE_URL: db.url, ...extra },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

beforeAll(async () => {
  db = await migratedDatabase('schema_api');
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

const V1_HASH = '07fddf134cf1d518ffd59abbbb42bbf3b18a8e90ba0ad167dbc8dc38b501aaaa';
const V2_HASH = '911994f64d564f5aa4ac222d6daf06dbfd8cc3ebf4b7cbcf2b5f80f69fe79f4a';
const ACCEPTED =
  'accepted: YYYY-MM-DD (the end of that day, UTC: 23:59:59.999Z), or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or ±HH:MM';

const json = async (r: Response) => r.json() as Promise<Record<string, unknown>>;
const doc = async (r: Response) => (await r.json()) as SchemaDocument;
const published: Record<number, string> = {};

/** A KV port kept in memory (an empty namespace of its own), or one whose every call throws. */
function memoryKv(): { map: Map<string, string>; binding: KVNamespace } {
  const map = new Map<string, string>();
  const binding = {
    get: async (key: string) => map.get(key) ?? null,
    put: async (key: string, value: string) => void map.set(key, value),
  };
  return { map, binding: binding as unknown as KVNamespace };
}
const brokenKv = {
  get: async () => {
    throw new Error('KV is down');
  },
  put: async () => {
    throw new Error('KV is down');
  },
} as unknown as KVNamespace;

describe('the schema API before the first snapshot', () => {
  it('answers 404 for the current schema and any instant, and an empty version list', async () => {
    const current = await api('/api/schema/current');
    expect(current.status).toBe(404);
    expect(await json(current)).toEqual({
      error: { code: 'not_found', message: 'no schema snapshot has been published yet' },
    });
    const at = await api('/api/schema/at/2026-11-21');
    expect(at.status).toBe(404);
    expect(await json(at)).toEqual({
      error: { code: 'not_found', message: 'no schema snapshot was published at or before 2026-11-21' },
    });
    expect(await json(await api('/api/schema/versions'))).toEqual({ versions: [], limit: 20, offset: 0, total: 0 });
  });

  it('answers GET /version without the warehouse', async () => {
    const r = await api('/version', {}, { WAREHOUSE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ name: 'living-schema', version: '0.1.0' });
  });
});

describe('the schema API over two published versions', () => {
  beforeAll(async () => {
    await load('vessel-annotations', 'argilla/vessels-1.parquet', 'discovery/vessels-1.parquet');
    await load('vessel-csv', 'registry/2026-11-20.parquet', 'discovery/registry-1.parquet');
    await cron();
  }, 60_000);

  it('serves v1 as current from KV, with its ETag, Cache-Control and Vary, and 304 on If-None-Match', async () => {
    const r = await api('/api/schema/current');
    expect(r.status).toBe(200);
    expect(Object.fromEntries(r.headers)).toEqual({
      'cache-control': 'no-cache',
      'content-type': 'application/json; charset=utf-8',
      etag: `"${V1_HASH}"`,
      vary: 'Accept',
      'x-schema-source': 'kv',
      'x-schema-version': '1',
    });
    const d = await doc(r);
    published[1] = d.publishedAt;
    expect([d.version, d.semver, d.bump, d.contentHash, d.previousHash]).toEqual([1, '0.1.0', 'minor', V1_HASH, null]);
    expect(d.entityTypes.map((e) => e.name)).toEqual([
      'CALL_SIGN',
      'FLAG_STATE',
      'IMO_NUMBER',
      'PART',
      'PORT',
      'VESEL_NAME',
      'VESSEL_NAME',
      'vessel name',
    ]);
    expect(d.entityTypes.find((e) => e.name === 'IMO_NUMBER')).toEqual({
      name: 'IMO_NUMBER',
      status: 'active',
      description: 'Entity type annotated by subject-matter experts, e.g. “9703291”, “8612134”, “9811000”.',
      mergedInto: null,
      aliases: [],
      stats: {
        occurrences: 3,
        documents: 3,
        proposals: 0,
        firstSeen: '2026-11-20T09:00:00.000Z',
        lastSeen: '2026-11-20T09:00:00.000Z',
        examples: ['9703291', '8612134', '9811000'],
      },
    });
    const imo = d.fields.find((f) => f.source === 'registry' && f.name === 'imo');
    expect(imo?.location).toEqual({
      table: 'structured_data',
      column: 'data',
      jsonPath: '$."imo"',
      sql: `json_extract_string(data, '$."imo"')`,
    });
    expect(imo?.type).toBe('int');

    const again = await api('/api/schema/current', { 'if-none-match': `"${V1_HASH}"` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(`"${V1_HASH}"`);
    expect((await api('/api/schema/current', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers ?format=nope with 400, and reads the warehouse on Cache-Control: no-cache', async () => {
    const bad = await api('/api/schema/current?format=nope');
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({
      error: {
        code: 'bad_request',
        message: 'unknown format "nope": use one of json, markdown, mermaid, zod, json-schema, prompt',
      },
    });
    const cold = await api('/api/schema/current', { 'cache-control': 'no-cache' });
    expect(cold.headers.get('x-schema-source')).toBe('warehouse');
    expect((await doc(cold)).contentHash).toBe(V1_HASH);
  });

  it('replaces the cached current schema when v2 is published: the next read returns v2', async () => {
    await load('vessel-csv', 'registry/2026-11-21.parquet', 'discovery/registry-2.parquet');
    await cron();
    const r = await api('/api/schema/current', { 'if-none-match': `"${V1_HASH}"` });
    expect(r.status).toBe(200);
    expect([r.headers.get('etag'), r.headers.get('x-schema-source')]).toEqual([`"${V2_HASH}"`, 'kv']);
    const d = await doc(r);
    published[2] = d.publishedAt;
    expect([d.version, d.semver, d.bump, d.contentHash, d.previousHash]).toEqual([
      2,
      '0.2.0',
      'minor',
      V2_HASH,
      V1_HASH,
    ]);
  });

  it('answers every format of both versions with what the renderer makes of that version, from KV and the warehouse alike', async () => {
    const ACCEPT: Record<SchemaFormat, string> = {
      json: 'application/json',
      markdown: 'text/markdown',
      mermaid: 'text/vnd.mermaid',
      zod: 'application/typescript',
      'json-schema': 'application/schema+json',
      prompt: 'text/plain',
    };
    for (const version of [1, 2]) {
      const d = await doc(await api(`/api/schema/versions/${version}`));
      expect(d.version).toBe(version);
      for (const format of SchemaFormat.options) {
        const expected = renderSchema(d, format, {});
        const byParam = await api(`/api/schema/versions/${version}?format=${format}`);
        const byAccept = await api(`/api/schema/versions/${version}`, { accept: ACCEPT[format] });
        const cold = await api(`/api/schema/versions/${version}?format=${format}`, { 'cache-control': 'no-cache' });
        for (const r of [byParam, byAccept, cold]) {
          expect([r.status, r.headers.get('content-type')]).toEqual([200, expected.contentType]);
          expect(r.headers.get('etag')).toBe(format === 'json' ? `"${d.contentHash}"` : `"${d.contentHash}-${format}"`);
          expect(await r.text()).toBe(expected.body);
        }
        expect(cold.headers.get('x-schema-source')).toBe('warehouse');
      }
      const small = await api(`/api/schema/versions/${version}?format=prompt&budget=120`);
      expect(await small.text()).toBe(renderSchema(d, 'prompt', { budget: 120 }).body);
      expect(small.headers.get('etag')).toBe(`"${d.contentHash}-prompt-120"`);
    }
  });

  it('lists versions newest first, paginated, with summary counts and the total', async () => {
    expect(await json(await api('/api/schema/versions'))).toEqual({
      versions: [
        {
          version: 2,
          semver: '0.2.0',
          bump: 'minor',
          publishedAt: published[2],
          contentHash: V2_HASH,
          summary: { entityTypes: 8, fields: 9, changes: 4 },
        },
        {
          version: 1,
          semver: '0.1.0',
          bump: 'minor',
          publishedAt: published[1],
          contentHash: V1_HASH,
          summary: { entityTypes: 8, fields: 7, changes: 15 },
        },
      ],
      limit: 20,
      offset: 0,
      total: 2,
    });
    const page = await json(await api('/api/schema/versions?limit=1&offset=1'));
    expect([
      page.limit,
      page.offset,
      page.total,
      (page.versions as { version: number }[]).map((v) => v.version),
    ]).toEqual([1, 1, 2, [1]]);
    for (const query of ['limit=0', 'limit=201', 'offset=-1', 'limit=abc']) {
      expect((await api(`/api/schema/versions?${query}`)).status, query).toBe(400);
    }
  });

  it('serves a version as immutable, 404 for an unknown one and 400 for one that is not a number', async () => {
    const r = await api('/api/schema/versions/1');
    expect(r.status).toBe(200);
    expect([r.headers.get('cache-control'), r.headers.get('etag'), r.headers.get('vary')]).toEqual([
      'public, max-age=31536000, immutable',
      `"${V1_HASH}"`,
      'Accept',
    ]);
    expect((await doc(r)).version).toBe(1);
    expect((await api('/api/schema/versions/1', { 'if-none-match': `W/"${V1_HASH}"` })).status).toBe(304);
    const missing = await api('/api/schema/versions/3');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ error: { code: 'not_found', message: 'no schema version 3' } });
    expect((await api('/api/schema/versions/abc')).status).toBe(400);
    expect((await api('/api/schema/versions/0')).status).toBe(400);
  });

  it('answers at/ with the snapshot in force: on a publish instant, a millisecond before it, before the first', async () => {
    const at = async (instant: string) => {
      const r = await api(`/api/schema/at/${encodeURIComponent(instant)}`);
      return r.status === 200 ? (await doc(r)).version : r.status;
    };
    const v2 = new Date(published[2] as string);
    const v1 = new Date(published[1] as string);
    expect(await at(v2.toISOString())).toBe(2);
    expect(await at(new Date(v2.getTime() - 1).toISOString())).toBe(1);
    expect(await at(v1.toISOString())).toBe(1);
    expect(await at(new Date(v1.getTime() - 1).toISOString())).toBe(404);
    // The same instant with an offset, and a date: the end of that day in UTC.
    const plusTwo = new Date(v1.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect(await at(plusTwo)).toBe(1);
    expect(await at(v2.toISOString().slice(0, 10))).toBe(2);
    expect(await at('2026-01-01')).toBe(404);
    const r = await api(`/api/schema/at/${encodeURIComponent(v2.toISOString())}`);
    expect([r.headers.get('cache-control'), r.headers.get('etag')]).toEqual(['no-cache', `"${V2_HASH}"`]);
  });

  it('refuses malformed instants with 400, listing the accepted forms', async () => {
    for (const instant of ['yesterday', '2026-02-30', '2026-11-21T10:00:00', '2026-11-21T25:00Z', '20261121']) {
      const r = await api(`/api/schema/at/${encodeURIComponent(instant)}`);
      expect(r.status, instant).toBe(400);
      expect(await json(r)).toEqual({
        error: { code: 'bad_request', message: `not an instant: ${JSON.stringify(instant)}; ${ACCEPTED}` },
      });
    }
  });

  it('diffs any two versions with the bump the span implies, in either direction', async () => {
    const forward = await json(await api('/api/schema/diff?from=1&to=2'));
    expect([forward.direction, forward.bump]).toEqual(['forward', 'minor']);
    expect(
      (forward.changes as { change: string; key: { name: string }; attribute?: string }[]).map((c) => [
        c.change,
        c.key.name,
        c.attribute ?? null,
      ]),
    ).toEqual([
      ['added', 'flag_state', null],
      ['added', 'gross_tonage', null],
      ['changed', 'imo', 'type'],
      ['changed', 'imo', 'description'],
    ]);
    const backward = await json(await api('/api/schema/diff?from=2&to=1'));
    expect([
      backward.direction,
      backward.bump,
      (backward.changes as { change: string }[]).map((c) => c.change),
    ]).toEqual(['backward', 'major', ['removed', 'removed', 'changed', 'changed']]);
    const same = await json(await api('/api/schema/diff?from=2&to=2'));
    expect([same.direction, same.bump, same.changes]).toEqual(['same', null, []]);
    expect((await api('/api/schema/diff?from=1')).status).toBe(400);
    expect((await api('/api/schema/diff?from=one&to=2')).status).toBe(400);
    const unknown = await api('/api/schema/diff?from=1&to=9');
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toEqual({ error: { code: 'not_found', message: 'no schema version 9' } });
  });

  it('tells one name’s history across versions, and 404 for a name no snapshot had', async () => {
    const imo = await json(await api('/api/schema/fields/registry/imo'));
    expect(imo.key).toEqual({ kind: 'field', source: 'registry', name: 'imo' });
    expect((imo.current as { type: string }).type).toBe('bigint');
    expect(
      (imo.history as { version: number; events: { event: string }[] }[]).map((h) => [
        h.version,
        h.events.map((e) => e.event),
      ]),
    ).toEqual([
      [1, ['appeared']],
      [2, ['type_changed', 'description_changed']],
    ]);
    const vessel = await json(await api('/api/schema/entity-types/VESSEL_NAME'));
    expect(vessel.history).toEqual([
      {
        version: 1,
        semver: '0.1.0',
        publishedAt: published[1],
        events: [
          {
            event: 'appeared',
            entry: {
              name: 'VESSEL_NAME',
              status: 'active',
              description:
                'Entity type annotated by subject-matter experts, e.g. “Ever Given”, “Maersk Alabama”, “MSC Oscar”.',
              mergedInto: null,
            },
            reason: 'entity type VESSEL_NAME first seen',
          },
        ],
      },
    ]);
    const none = await api('/api/schema/entity-types/NOPE');
    expect(none.status).toBe(404);
    expect(await json(none)).toEqual({
      error: { code: 'not_found', message: 'no schema version ever had entity type NOPE' },
    });
    expect((await api('/api/schema/fields/registry/nope')).status).toBe(404);
    expect((await api('/api/schema/fields/elsewhere/imo')).status).toBe(404);
  });

  it('fills only the version keys on a KV miss, never the current pointer', async () => {
    const kv = memoryKv();
    const r = await api('/api/schema/current', {}, { SCHEMA_CACHE: kv.binding });
    expect([r.status, r.headers.get('x-schema-source'), r.headers.get('etag')]).toEqual([
      200,
      'warehouse',
      `"${V2_HASH}"`,
    ]);
    expect([...kv.map.keys()]).toEqual(['schema/v/2/json']);
    const hit = await api('/api/schema/versions/2', {}, { SCHEMA_CACHE: kv.binding });
    expect([hit.headers.get('x-schema-source'), (await doc(hit)).contentHash]).toEqual(['kv', V2_HASH]);
  });

  it('answers from the warehouse when KV fails', async () => {
    for (const path of ['/api/schema/current', '/api/schema/versions/1', `/api/schema/at/${published[1]}`]) {
      const r = await api(path, {}, { SCHEMA_CACHE: brokenKv });
      expect([r.status, r.headers.get('x-schema-source')], path).toEqual([200, 'warehouse']);
    }
  });

  it('gives snapshots published before stats were stored stats: null', async () => {
    await db.warehouse.execute('UPDATE schema_snapshots SET stats = NULL WHERE version = 1');
    const d = await doc(await api('/api/schema/versions/1', { 'cache-control': 'no-cache' }));
    expect(d.entityTypes.every((e) => e.stats === null) && d.fields.every((f) => f.stats === null)).toBe(true);
    expect(d.contentHash).toBe(V1_HASH);
  });
});
