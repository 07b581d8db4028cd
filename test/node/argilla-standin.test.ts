// The local Argilla stand-in over real HTTP on loopback: exact bodies of the reference's shapes, its errors,
// paging, activity, injected 429/5xx, Standard Webhooks delivery (checked with the reference library), the
// backfill generator and the CLI.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARITIME_FIXTURE, readFixture } from '../../tools/argilla-standin/fixture.ts';
import { formatNaive, parseNaive, pythonJsonDumps } from '../../tools/argilla-standin/format.ts';
import { type ArgillaStandin, startArgillaStandin } from '../../tools/argilla-standin/server.ts';
import { signWebhook } from '../../tools/argilla-standin/webhooks.ts';
import { datasetsVar, STANDIN_VARS, standinDatasets, startLocalArgilla } from '../../tools/local/argilla-standin.ts';
import { parseDevVars, setDevVars } from '../../tools/local/dev-vars.ts';
import { runCli } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const OWNER = 'owner-key-0000';
const ADMIN = 'maritime-admin-key-0000';
const RESEARCH_ADMIN = 'research-admin-key-0000';
const ANNOTATOR = 'alice-key-0000';
const KEYS = {
  [OWNER]: { username: 'argilla', role: 'owner', workspaces: [] },
  [ADMIN]: { username: 'maritime-admin', role: 'admin', workspaces: ['maritime'] },
  [RESEARCH_ADMIN]: { username: 'research-admin', role: 'admin', workspaces: ['research'] },
  [ANNOTATOR]: { username: 'alice', role: 'annotator', workspaces: ['maritime'] },
} as const;

const MARITIME = '5b0c3f0e-6a51-4c39-9d43-7f6a2e1b0a01';
const RESEARCH = '5b0c3f0e-6a51-4c39-9d43-7f6a2e1b0a02';
const V1 = 'd1a7a5e7-0000-4000-8000-000000000001';
const V2 = 'd1a7a5e7-0000-4000-8000-000000000002';
const SANDBOX = 'd1a7a5e7-0000-4000-8000-000000000003';
const RECORD1 = '7ec0bd00-0000-4000-8000-000000000001';
const RECORD2 = '7ec0bd00-0000-4000-8000-000000000002';
const RECORD5 = '7ec0bd00-0000-4000-8000-000000000005';
const MISSING = '00000000-0000-4000-8000-000000000000';
const SORT = [
  { scope: { entity: 'record', property: 'inserted_at' }, order: 'asc' },
  { scope: { entity: 'record', property: 'id' }, order: 'asc' },
];

const UNAUTHORIZED = {
  detail: { code: 'argilla.api.errors::UnauthorizedError', params: { detail: 'Could not validate credentials' } },
};
const FORBIDDEN = {
  detail: { code: 'argilla.api.errors::ForbiddenOperationError', params: { detail: 'Operation not allowed' } },
};

// The data clock: a fixed instant that tests move on, so timestamps are exact.
let clockMs = Date.parse('2025-06-01T12:00:00.000Z');
const clock = () => new Date(clockMs);

async function call(standin: ArgillaStandin, path: string, key: string | null, init: RequestInit = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['X-Argilla-Api-Key'] = key;
  const res = await fetch(`${standin.url}${path}`, { ...init, headers: { ...headers, ...(init.headers as object) } });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: res.headers.get('content-type') === 'application/json' ? (JSON.parse(text) as unknown) : null,
    text,
  };
}

const search = (standin: ArgillaStandin, dataset: string, query: string, body: unknown, key = ADMIN) =>
  call(standin, `/api/v1/datasets/${dataset}/records/search${query}`, key, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

let standin: ArgillaStandin;

beforeAll(async () => {
  standin = await startArgillaStandin({ seed: MARITIME_FIXTURE, apiKeys: KEYS, clock });
});
afterAll(async () => {
  await standin?.close();
});

describe('the Argilla stand-in answers the reference shapes exactly', () => {
  it('GET /api/v1/me answers the caller as a User, api_key included', async () => {
    expect(await call(standin, '/api/v1/me', ADMIN)).toMatchObject({
      status: 200,
      body: {
        id: '0f6f0a10-0000-4000-8000-000000000002',
        first_name: 'Mira',
        last_name: 'Admin',
        username: 'maritime-admin',
        role: 'admin',
        api_key: ADMIN,
        inserted_at: '2025-02-01T08:01:00',
        updated_at: '2025-02-01T08:01:00',
      },
    });
  });

  it("GET /api/v1/me/datasets lists the caller's datasets in inserted_at order, with naive-UTC timestamps", async () => {
    const res = await call(standin, '/api/v1/me/datasets', ADMIN);
    expect(res.status).toBe(200);
    const items = (res.body as { items: Record<string, unknown>[] }).items;
    expect(items.map((d) => d.name)).toEqual(['vessel-entities', 'vessel-entities-v2']);
    expect(items[0]).toStrictEqual({
      id: V1,
      name: 'vessel-entities',
      guidelines: 'Mark every vessel name, IMO number, flag state and port.',
      allow_extra_metadata: true,
      status: 'ready',
      distribution: { strategy: 'overlap', min_submitted: 1 },
      metadata: { source: 'ocr-batch-2025-03' },
      workspace_id: MARITIME,
      // The newest seeded response's updated_at (a fraction of .000000 is dropped, as Python does).
      last_activity_at: '2025-03-08T17:05:00',
      inserted_at: '2025-03-01T09:00:00.123456',
      updated_at: '2025-03-01T09:00:00.123456',
    });
    expect(Object.keys(items[0] as object)).toEqual([
      'id',
      'name',
      'guidelines',
      'allow_extra_metadata',
      'status',
      'distribution',
      'metadata',
      'workspace_id',
      'last_activity_at',
      'inserted_at',
      'updated_at',
    ]);
  });

  it('GET /api/v1/me/datasets filters by workspace_id, exact name and status; the owner sees every workspace', async () => {
    const names = async (query: string, key = OWNER) =>
      ((await call(standin, `/api/v1/me/datasets${query}`, key)).body as { items: { name: string }[] }).items.map(
        (d) => d.name,
      );
    expect(await names('')).toEqual(['vessel-entities', 'vessel-entities-v2', 'sandbox']);
    expect(await names(`?workspace_id=${RESEARCH}`)).toEqual(['sandbox']);
    expect(await names('?name=vessel-entities')).toEqual(['vessel-entities']);
    expect(await names('?name=vessel')).toEqual([]);
    expect(await names('?status=draft')).toEqual(['sandbox']);
    expect(await names('', ANNOTATOR)).toEqual(['vessel-entities', 'vessel-entities-v2']);
  });

  it('GET /api/v1/me/datasets with a workspace the admin is not a member of is 403', async () => {
    expect(await call(standin, `/api/v1/me/datasets?workspace_id=${RESEARCH}`, ADMIN)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
  });

  it('GET /api/v1/datasets/{id} answers the same object as the list', async () => {
    const one = await call(standin, `/api/v1/datasets/${V1}`, ANNOTATOR);
    const list = (await call(standin, '/api/v1/me/datasets?name=vessel-entities', ADMIN)).body as { items: unknown[] };
    expect(one.status).toBe(200);
    expect(one.body).toStrictEqual(list.items[0]);
  });

  it('GET /questions answers the span question (labels as options) and the proposal text question', async () => {
    const res = await call(standin, `/api/v1/datasets/${V1}/questions`, ANNOTATOR);
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      items: [
        {
          id: '9a000000-0000-4000-8000-000000000001',
          name: 'entities',
          title: 'Mark the entities',
          description: 'Select each entity in the text',
          required: true,
          settings: {
            type: 'span',
            field: 'text',
            options: [
              { value: 'VESSEL_NAME', text: 'Vessel name', description: "The ship's name as written" },
              { value: 'IMO_NUMBER', text: 'IMO number', description: 'Seven digits after IMO' },
              { value: 'FLAG_STATE', text: 'Flag state', description: null },
              { value: 'PORT', text: 'Port', description: null },
              { value: 'CALL_SIGN', text: 'Call sign', description: 'Offered, but no one has used it yet' },
            ],
            visible_options: null,
            allow_overlapping: false,
            allow_character_annotation: true,
          },
          dataset_id: V1,
          inserted_at: '2025-03-01T09:00:00.123456',
          updated_at: '2025-03-01T09:00:00.123456',
        },
        {
          id: '9a000000-0000-4000-8000-000000000002',
          name: 'proposed_entity_type',
          title: 'Missing an entity type? Name it',
          description: null,
          required: false,
          settings: { type: 'text', use_markdown: false },
          dataset_id: V1,
          inserted_at: '2025-03-01T09:00:00.123456',
          updated_at: '2025-03-01T09:00:00.123456',
        },
      ],
    });
  });

  it('GET /fields answers the text field', async () => {
    expect(await call(standin, `/api/v1/datasets/${V1}/fields`, ADMIN)).toMatchObject({
      status: 200,
      body: {
        items: [
          {
            id: 'f1e1d000-0000-4000-8000-000000000001',
            name: 'text',
            title: 'Document text',
            required: true,
            settings: { type: 'text', use_markdown: false },
            dataset_id: V1,
            inserted_at: '2025-03-01T09:00:00.123456',
            updated_at: '2025-03-01T09:00:00.123456',
          },
        ],
      },
    });
  });

  it('GET /workspaces/{id}/users lists the members to an admin member; others get 403, a missing one 404', async () => {
    const res = await call(standin, `/api/v1/workspaces/${MARITIME}/users`, ADMIN);
    expect(res.status).toBe(200);
    const items = (res.body as { items: Record<string, unknown>[] }).items;
    expect(items.map((u) => u.username)).toEqual(['maritime-admin', 'alice', 'bob', 'chen']);
    expect(Object.keys(items[0] as object)).toEqual([
      'id',
      'first_name',
      'last_name',
      'username',
      'role',
      'api_key',
      'inserted_at',
      'updated_at',
    ]);
    expect(await call(standin, `/api/v1/workspaces/${MARITIME}/users`, RESEARCH_ADMIN)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await call(standin, `/api/v1/workspaces/${MARITIME}/users`, ANNOTATOR)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
    expect(await call(standin, `/api/v1/workspaces/${MISSING}/users`, OWNER)).toMatchObject({
      status: 404,
      body: { detail: `Workspace with id \`${MISSING}\` not found` },
    });
  });

  it("records/search with include=responses answers SearchRecordsResult: record, every user's responses, query_score, total", async () => {
    const res = await search(standin, V1, '?include=responses&offset=0&limit=1', { sort: SORT });
    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({
      items: [
        {
          record: {
            id: RECORD1,
            status: 'completed',
            fields: { text: 'MV Nordic Star (IMO 9321483) sailed from Rotterdam under the flag of Norway.' },
            metadata: { document_id: 'doc-0001', page: 1 },
            external_id: 'doc-0001-p1',
            responses: [
              {
                id: '5e5b0000-0000-4000-8000-000000000001',
                values: {
                  entities: {
                    value: [
                      { label: 'VESSEL_NAME', start: 0, end: 14 },
                      { label: 'IMO_NUMBER', start: 20, end: 27 },
                      { label: 'PORT', start: 41, end: 50 },
                      { label: 'FLAG_STATE', start: 69, end: 75 },
                    ],
                  },
                },
                status: 'submitted',
                record_id: RECORD1,
                user_id: '0f6f0a10-0000-4000-8000-00000000000a',
                inserted_at: '2025-03-02T10:00:00.100000',
                updated_at: '2025-03-02T10:04:00.200000',
              },
              {
                id: '5e5b0000-0000-4000-8000-000000000002',
                values: {
                  entities: {
                    value: [
                      { label: 'VESSEL_NAME', start: 3, end: 14 },
                      { label: 'PORT', start: 41, end: 50 },
                    ],
                  },
                },
                status: 'submitted',
                record_id: RECORD1,
                user_id: '0f6f0a10-0000-4000-8000-00000000000b',
                inserted_at: '2025-03-02T11:00:00',
                updated_at: '2025-03-02T11:00:00',
              },
              {
                id: '5e5b0000-0000-4000-8000-000000000003',
                values: { entities: { value: [{ label: 'VESSEL_NAME', start: 0, end: 14 }] } },
                status: 'draft',
                record_id: RECORD1,
                user_id: '0f6f0a10-0000-4000-8000-00000000000c',
                inserted_at: '2025-03-03T08:30:00.500000',
                updated_at: '2025-03-03T08:31:00.500000',
              },
            ],
            dataset_id: V1,
            inserted_at: '2025-03-01T09:05:00.000001',
            updated_at: '2025-03-01T09:05:00.000001',
          },
          // Elasticsearch leaves the score empty when a sort is given.
          query_score: null,
        },
      ],
      total: 6,
    });
  });

  it('records/search leaves responses out unless included, and the body {} is valid', async () => {
    const res = await search(standin, V1, '?limit=1', { sort: SORT });
    const record = (res.body as { items: { record: Record<string, unknown> }[] }).items[0]?.record;
    expect(Object.keys(record as object)).toEqual([
      'id',
      'status',
      'fields',
      'metadata',
      'external_id',
      'dataset_id',
      'inserted_at',
      'updated_at',
    ]);
    const unsorted = await search(standin, V1, '?include=responses', {});
    expect(unsorted.status).toBe(200);
    expect(
      (unsorted.body as { total: number; items: { query_score: number }[] }).items.map((i) => i.query_score),
    ).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("records/search filters on any user's response status, pending meaning no responses", async () => {
    const ids = async (values: string[]) =>
      (
        (
          await search(standin, V1, '', {
            filters: { and: [{ type: 'terms', scope: { entity: 'response', property: 'status' }, values }] },
            sort: SORT,
          })
        ).body as { items: { record: { id: string } }[] }
      ).items.map((i) => i.record.id.slice(-1));
    expect(await ids(['pending'])).toEqual(['5']);
    expect(await ids(['draft'])).toEqual(['1']);
    expect(await ids(['discarded'])).toEqual(['4', '6']);
  });

  it('GET /api/v1/records/{id} always includes responses, suggestions and vectors, even for an annotator member', async () => {
    const res = await call(standin, `/api/v1/records/${RECORD5}`, ANNOTATOR);
    expect(res.body).toStrictEqual({
      id: RECORD5,
      status: 'pending',
      fields: { text: 'Queen Mary 2 departs Southampton tonight 😀' },
      metadata: { document_id: 'doc-0005', page: 1 },
      external_id: 'doc-0005-p1',
      responses: [],
      suggestions: [],
      vectors: {},
      dataset_id: V1,
      inserted_at: '2025-03-01T09:05:04',
      updated_at: '2025-03-01T09:05:04',
    });
  });

  it('keeps astral characters as they are and the UTF-16 offsets the web UI sends (bob on record 2)', async () => {
    const record = (await call(standin, `/api/v1/records/${RECORD2}`, OWNER)).body as {
      fields: { text: string };
      responses: { values: { entities: { value: { start: number; end: number }[] } } }[];
    };
    const text = record.fields.text;
    const [alice, bob] = record.responses;
    const codePoints = [...text];
    expect(
      codePoints.slice(alice?.values.entities.value[0]?.start, alice?.values.entities.value[0]?.end).join(''),
    ).toBe('Ever Given');
    expect(text.slice(bob?.values.entities.value[0]?.start, bob?.values.entities.value[0]?.end)).toBe('Ever Given');
  });
});

describe('the Argilla stand-in refuses as Argilla does', () => {
  it('answers 401 without a key, with an unknown key, and "Invalid token" for a Bearer token', async () => {
    expect(await call(standin, '/api/v1/me', null)).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect(await call(standin, `/api/v1/datasets/${V1}`, 'not-a-key')).toMatchObject({
      status: 401,
      body: UNAUTHORIZED,
    });
    expect(await call(standin, '/api/v1/me', null, { headers: { authorization: 'Bearer abc' } })).toMatchObject({
      status: 401,
      body: { detail: { code: 'argilla.api.errors::UnauthorizedError', params: { detail: 'Invalid token' } } },
    });
  });

  it('answers 403 to an annotator searching all responses and to an admin of another workspace', async () => {
    expect(await search(standin, V1, '', {}, ANNOTATOR)).toMatchObject({ status: 403, body: FORBIDDEN });
    expect(await search(standin, V1, '', {}, RESEARCH_ADMIN)).toMatchObject({ status: 403, body: FORBIDDEN });
    expect(await call(standin, `/api/v1/datasets/${SANDBOX}/questions`, ANNOTATOR)).toMatchObject({
      status: 403,
      body: FORBIDDEN,
    });
  });

  it('answers 404 for a missing dataset before it checks the policy, in the flat style', async () => {
    expect(await search(standin, MISSING, '', {}, ANNOTATOR)).toMatchObject({
      status: 404,
      body: { detail: `Dataset with id \`${MISSING}\` not found` },
    });
    expect(await call(standin, `/api/v1/records/${MISSING}`, OWNER)).toMatchObject({
      status: 404,
      body: { detail: `Record with id \`${MISSING}\` not found` },
    });
  });

  it('answers 422 ValidationError for limit, offset, a non-UUID id and a missing body', async () => {
    const error = (loc: (string | number)[], msg: string, type: string) => ({
      detail: { code: 'argilla.api.errors::ValidationError', params: { errors: [{ loc, msg, type }] } },
    });
    expect(await search(standin, V1, '?limit=1001', {})).toMatchObject({
      status: 422,
      body: error(['query', 'limit'], 'Input should be less than or equal to 1000', 'less_than_equal'),
    });
    expect(await search(standin, V1, '?limit=0', {})).toMatchObject({
      status: 422,
      body: error(['query', 'limit'], 'Input should be greater than or equal to 1', 'greater_than_equal'),
    });
    expect(await search(standin, V1, '?offset=-1', {})).toMatchObject({
      status: 422,
      body: error(['query', 'offset'], 'Input should be greater than or equal to 0', 'greater_than_equal'),
    });
    expect(await call(standin, '/api/v1/datasets/not-a-uuid', ADMIN)).toMatchObject({
      status: 422,
      body: error(['path', 'dataset_id'], 'Input should be a valid UUID', 'uuid_parsing'),
    });
    expect(await search(standin, V1, '', '')).toMatchObject({
      status: 422,
      body: error(['body'], 'Field required', 'missing'),
    });
  });

  it('answers 422 in the flat style for a malformed include and an unknown text field', async () => {
    expect(await search(standin, V1, '?include=responses;x', {})).toMatchObject({
      status: 422,
      body: { detail: "'include' query parameter must be of the form 'key1,key2,key3' or 'key:value1,value2,value3'" },
    });
    expect(await search(standin, V1, '', { query: { text: { q: 'Nordic', field: 'foo' } } })).toMatchObject({
      status: 422,
      body: { detail: `Field \`foo\` not found in dataset \`${V1}\`.` },
    });
  });

  it('answers the next N requests with an injected 429 (Retry-After) or 5xx, then normally', async () => {
    standin.failNext(2, { status: 429, retryAfter: 3 });
    const first = await call(standin, '/api/v1/me', OWNER);
    expect(first).toMatchObject({ status: 429, body: { detail: 'Too Many Requests' } });
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await call(standin, '/api/v1/me', OWNER)).status).toBe(429);
    expect((await call(standin, '/api/v1/me', OWNER)).status).toBe(200);
    standin.failNext(1, { status: 503 });
    expect(await call(standin, '/api/v1/me', OWNER)).toMatchObject({
      status: 503,
      text: '503 injected by the Argilla stand-in',
    });
    const fault = await fetch(`${standin.url}/__standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ count: 1, status: 500 }),
    });
    expect(fault.status).toBe(204);
    expect(await call(standin, '/api/v1/me', OWNER)).toMatchObject({
      status: 500,
      body: {
        detail: {
          code: 'argilla.api.errors::GenericServerError',
          params: { type: 'InjectedFault', message: 'injected by the stand-in' },
        },
      },
    });
    // Any status with a body of its own: a proxy (or another server version) answering in Argilla's place.
    standin.failNext(1, { status: 200, body: { items: [{ id: 1 }] }, pathPrefix: '/api/v1/me/datasets' });
    expect((await call(standin, '/api/v1/me', OWNER)).status).toBe(200);
    expect(await call(standin, '/api/v1/me/datasets', OWNER)).toMatchObject({
      status: 200,
      body: { items: [{ id: 1 }] },
    });
    const noBody = await fetch(`${standin.url}/__standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ count: 1, status: 200 }),
    });
    expect(noBody.status).toBe(422);
    expect((await call(standin, '/api/v1/me', OWNER)).status).toBe(200);
  });
});

describe('activity and paging', () => {
  it('moves last_activity_at (not updated_at) on a single-response change, and not on a bulk one', async () => {
    const dataset = async () => (await call(standin, `/api/v1/datasets/${V2}`, ADMIN)).body as Record<string, string>;
    const before = await dataset();
    clockMs = Date.parse('2025-06-02T08:00:00.000Z');
    standin.submitResponse({
      recordId: '7ec0bd00-0000-4000-8000-000000000022',
      username: 'bob',
      spans: [{ label: 'VESSEL_NAME', start: 0, end: 10 }],
    });
    const after = await dataset();
    expect(after.last_activity_at).toBe('2025-06-02T08:00:00');
    expect(after.updated_at).toBe(before.updated_at);
    clockMs = Date.parse('2025-06-03T08:00:00.000Z');
    standin.bulkResponses([
      {
        recordId: '7ec0bd00-0000-4000-8000-000000000022',
        username: 'chen',
        spans: [{ label: 'VESSEL_NAME', start: 0, end: 10 }],
      },
    ]);
    expect((await dataset()).last_activity_at).toBe('2025-06-02T08:00:00');
    // Both responses are there, and with min_submitted 2 the record is now completed.
    const record = (await call(standin, '/api/v1/records/7ec0bd00-0000-4000-8000-000000000022', OWNER)).body as {
      status: string;
      responses: unknown[];
      updated_at: string;
    };
    expect(record.status).toBe('completed');
    expect(record.updated_at).toBe('2025-06-03T08:00:00');
    expect(record.responses).toHaveLength(2);
  });

  it('pages past 1,000 records in a stable inserted_at, id order with an exact total', async () => {
    const local = await startArgillaStandin({ apiKeys: { [OWNER]: KEYS[OWNER] } });
    try {
      const made = local.generateDataset({ name: 'paging', responses: 2_345, perRecord: 1, seed: 7 });
      expect(made).toMatchObject({ records: 2_345, responses: 2_345 });
      const seen: string[] = [];
      const expected = [...(local.store.datasets[0]?.records ?? [])]
        .sort((a, b) => a.inserted_at - b.inserted_at || (a.id < b.id ? -1 : 1))
        .map((r) => r.id);
      for (let offset = 0; offset < 3_000; offset += 1_000) {
        const res = await search(
          local,
          made.dataset.id,
          `?include=responses&offset=${offset}&limit=1000`,
          { sort: SORT },
          OWNER,
        );
        const body = res.body as { items: { record: { id: string; responses: unknown[] } }[]; total: number };
        expect(body.total).toBe(2_345);
        seen.push(...body.items.map((i) => i.record.id));
      }
      expect(seen).toEqual(expected);
      expect(new Set(seen).size).toBe(2_345);
    } finally {
      await local.close();
    }
  });

  it('generates 20,000 responses spread over a year, every month represented', async () => {
    const local = await startArgillaStandin({ apiKeys: { [OWNER]: KEYS[OWNER] } });
    try {
      const made = local.generateDataset({ responses: 20_000, from: '2025-01-01T00:00:00', to: '2025-12-31T23:59:59' });
      expect(made).toMatchObject({ records: 10_000, responses: 20_000, dataset: { name: 'generated-20000' } });
      const months = new Map<string, number>();
      let submitted = 0;
      for (let offset = 0; offset < 10_000; offset += 1_000) {
        const res = await search(
          local,
          made.dataset.id,
          `?include=responses&offset=${offset}&limit=1000`,
          { sort: SORT },
          OWNER,
        );
        for (const item of (
          res.body as { items: { record: { responses: { status: string; updated_at: string }[] } }[] }
        ).items) {
          for (const r of item.record.responses) {
            submitted += r.status === 'submitted' ? 1 : 0;
            months.set(r.updated_at.slice(0, 7), (months.get(r.updated_at.slice(0, 7)) ?? 0) + 1);
            expect(r.updated_at >= '2025-01-01' && r.updated_at <= '2025-12-31T23:59:59').toBe(true);
          }
        }
      }
      expect(submitted).toBe(20_000);
      expect([...months.keys()].sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, '0')}`),
      );
      for (const n of months.values()) expect(n).toBeGreaterThan(1_400);
    } finally {
      await local.close();
    }
  }, 60_000);
});

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

describe("webhooks like Argilla's", () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  let failFirst = 0;
  let hooks: ArgillaStandin;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (failFirst > 0) {
          failFirst--;
          res.writeHead(500).end('boom');
        } else res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/argilla/webhook`;
    hooks = await startArgillaStandin({
      seed: MARITIME_FIXTURE,
      apiKeys: KEYS,
      webhooks: { retryDelaysMs: [10, 10, 10] },
    });
  });
  afterAll(async () => {
    await hooks?.close();
    await new Promise((r) => receiver.close(r));
  });

  const register = async (events: string[]) => {
    const res = await call(hooks, '/api/v1/webhooks', OWNER, {
      method: 'POST',
      body: JSON.stringify({ url: receiverUrl, events, description: 'SME sync' }),
    });
    return res as { status: number; body: Record<string, unknown> };
  };

  it('registers a webhook (owner only) and returns its 88-character base64 secret, no whsec_ prefix', async () => {
    expect(
      await call(hooks, '/api/v1/webhooks', ADMIN, {
        method: 'POST',
        body: JSON.stringify({ url: receiverUrl, events: ['response.created'] }),
      }),
    ).toMatchObject({ status: 403, body: FORBIDDEN });
    const res = await register(['response.created', 'response.updated', 'response.deleted', 'record.completed']);
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual([
      'id',
      'url',
      'secret',
      'events',
      'enabled',
      'description',
      'inserted_at',
      'updated_at',
    ]);
    expect(res.body).toMatchObject({ url: receiverUrl, enabled: true, description: 'SME sync' });
    expect(res.body.secret).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(Buffer.from(res.body.secret as string, 'base64')).toHaveLength(64);
    const list = (await call(hooks, '/api/v1/webhooks', OWNER)).body as { items: Record<string, unknown>[] };
    expect(list.items).toStrictEqual([res.body]);
    expect(await call(hooks, '/api/v1/webhooks', ADMIN)).toMatchObject({ status: 403, body: FORBIDDEN });
  });

  it('sends a signed envelope that the standardwebhooks library verifies, and retries with a NEW webhook-id', async () => {
    const secret = ((await call(hooks, '/api/v1/webhooks', OWNER)).body as { items: { secret: string }[] }).items[0]
      ?.secret as string;
    received.length = 0;
    failFirst = 1;
    const response = hooks.submitResponse({
      recordId: RECORD2,
      username: 'chen',
      spans: [{ label: 'VESSEL_NAME', start: 2, end: 12 }],
    });
    await hooks.webhooksIdle();
    const created = received.filter((r) => JSON.parse(r.body).type === 'response.created');
    expect(created).toHaveLength(2);
    const [first, retry] = created as [Received, Received];
    expect(retry.headers['webhook-id']).not.toBe(first.headers['webhook-id']);
    expect(first.headers['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(retry.body).toBe(first.body);
    const wh = new Webhook(secret);
    for (const r of created) {
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(() => wh.verify(r.body, r.headers as Record<string, string>)).not.toThrow();
    }
    // A tampered body does not verify.
    expect(() => wh.verify(first.body.replace('chen', 'mallory'), first.headers as Record<string, string>)).toThrow();
    const payload = JSON.parse(first.body);
    expect(Object.keys(payload)).toEqual(['type', 'version', 'timestamp', 'data']);
    expect(payload).toMatchObject({ type: 'response.created', version: 1 });
    expect(payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(payload.data).toMatchObject({
      id: response.id,
      status: 'submitted',
      values: { entities: { value: [{ label: 'VESSEL_NAME', start: 2, end: 12 }] } },
      record: {
        id: RECORD2,
        dataset: { id: V1, name: 'vessel-entities', workspace: { id: MARITIME, name: 'maritime' } },
      },
      user: { id: '0f6f0a10-0000-4000-8000-00000000000c', username: 'chen', role: 'annotator' },
      inserted_at: response.inserted_at,
      updated_at: response.updated_at,
    });
    expect(payload.data).not.toHaveProperty('record_id');
    expect(payload.data).not.toHaveProperty('user_id');
    expect(payload.data.user).not.toHaveProperty('api_key');
    // Python's json.dumps: ", " / ": " separators and the emoji as \u escapes.
    expect(first.body).toContain('"type": "response.created", "version": 1');
    expect(first.body).toContain('\\ud83d\\udea2 Ever Given');
    // The record was completed before, so record.completed follows (subscribed); record.updated is not.
    expect(received.filter((r) => JSON.parse(r.body).type === 'record.completed')).toHaveLength(1);
    expect(received.some((r) => JSON.parse(r.body).type === 'record.updated')).toBe(false);
  });

  it('gives up after 3 retries (4 attempts), each with its own id', async () => {
    received.length = 0;
    failFirst = 100;
    hooks.submitResponse({ recordId: RECORD5, username: 'bob', status: 'draft', values: {} });
    await hooks.webhooksIdle();
    failFirst = 0;
    const ids = received.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('sends response.updated and response.deleted (the response as it was) for single changes', async () => {
    received.length = 0;
    const response = hooks.submitResponse({
      recordId: RECORD5,
      username: 'bob',
      spans: [{ label: 'PORT', start: 21, end: 32 }],
    });
    hooks.deleteResponse(response.id);
    await hooks.webhooksIdle();
    const types = received.map((r) => JSON.parse(r.body).type);
    expect(types).toEqual(['response.updated', 'record.completed', 'response.deleted']);
    expect(JSON.parse(received[2]?.body as string).data).toMatchObject({ id: response.id, status: 'submitted' });
  });

  it('sends no response webhook for responses created in bulk', async () => {
    received.length = 0;
    hooks.bulkResponses([{ recordId: RECORD5, username: 'alice', spans: [{ label: 'PORT', start: 21, end: 32 }] }]);
    await hooks.webhooksIdle();
    expect(received).toEqual([]);
  });

  it('pings synchronously with 204 and refuses an 11th webhook with 422', async () => {
    const id = ((await call(hooks, '/api/v1/webhooks', OWNER)).body as { items: { id: string }[] }).items[0]?.id;
    received.length = 0;
    expect((await call(hooks, `/api/v1/webhooks/${id}/ping`, OWNER, { method: 'POST' })).status).toBe(204);
    expect(JSON.parse(received[0]?.body as string)).toMatchObject({
      type: 'ping',
      version: 1,
      data: { agent: 'argilla-server', version: '2.6.0' },
    });
    for (let i = 0; i < 9; i++) expect((await register(['dataset.created'])).status).toBe(201);
    expect(await register(['dataset.created'])).toMatchObject({
      status: 422,
      body: { detail: "You can't create more than 10 webhooks. Please delete some of them first" },
    });
    const patched = await call(hooks, `/api/v1/webhooks/${id}`, OWNER, {
      method: 'PATCH',
      body: JSON.stringify({ enabled: false }),
    });
    expect(patched).toMatchObject({ status: 200, body: { id, enabled: false } });
    expect(
      (await call(hooks, `/api/v1/webhooks/${id}`, OWNER, { method: 'PATCH', body: JSON.stringify({ url: null }) }))
        .status,
    ).toBe(422);
    expect(await call(hooks, `/api/v1/webhooks/${id}`, OWNER, { method: 'DELETE' })).toMatchObject({
      status: 200,
      body: { id },
    });
    expect(await call(hooks, `/api/v1/webhooks/${id}`, OWNER, { method: 'DELETE' })).toMatchObject({
      status: 404,
      body: { detail: `Webhook with id \`${id}\` not found` },
    });
  });
});

describe('formats and signatures', () => {
  it("formats naive-UTC timestamps as Python's isoformat and reads them back", () => {
    expect(formatNaive(parseNaive('2024-09-26T14:17:20.477163'))).toBe('2024-09-26T14:17:20.477163');
    expect(formatNaive(parseNaive('2024-09-26T14:17:20.000000'))).toBe('2024-09-26T14:17:20');
    expect(formatNaive(parseNaive('2024-09-26T14:17:20.5'))).toBe('2024-09-26T14:17:20.500000');
  });

  it("dumps JSON as Python's json.dumps does", () => {
    expect(pythonJsonDumps({ a: [1, 'é🚢'], b: null, c: { d: true } })).toBe(
      '{"a": [1, "\\u00e9\\ud83d\\udea2"], "b": null, "c": {"d": true}}',
    );
  });

  it('signs exactly as the standardwebhooks library does', () => {
    const secret = Buffer.alloc(64, 7).toString('base64');
    const at = new Date(1_750_000_000_000);
    expect(signWebhook(secret, 'msg_abc', 1_750_000_000, '{"a": 1}')).toBe(
      new Webhook(secret).sign('msg_abc', at, '{"a": 1}'),
    );
  });

  it('reads the maritime fixture and refuses a fixture with a wrong member, naming it', () => {
    expect(readFixture(MARITIME_FIXTURE).datasets?.map((d) => d.name)).toEqual([
      'vessel-entities',
      'vessel-entities-v2',
      'sandbox',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'standin-fixture-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, JSON.stringify({ datasets: [{ name: 'x', workspace: 'w', fields: [], questions: [] }] }));
      expect(() => readFixture(file)).toThrow(`${file}: datasets.0.fields: Too small`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run argilla-standin', () => {
  let cli: ChildProcess | null = null;
  afterAll(() => {
    if (cli && cli.exitCode === null) cli.kill('SIGTERM');
  });

  it('prints its usage for --help', async () => {
    const result = await runCli('argilla-standin.ts', ['--help'], { cwd: REPO, env: process.env });
    expect(result.code).toBe(0);
    expect(result.out).toContain('usage: npm run argilla-standin -- [--port N] [--seed FILE]');
    expect(result.out).toContain('submit --url URL');
  });

  it('serves on loopback, prints URL and key, and submit adds a response with a new label', async () => {
    cli = spawn(process.execPath, [join(REPO, 'tools/cli/argilla-standin.ts'), '--port', '0', '--api-key', 'cli-key'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      cli?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && out.includes('API key')) {
          clearTimeout(timer);
          resolveUrl(m[1] as string);
        }
      });
    });
    expect(out).toContain("API key (owner 'argilla'): cli-key");
    const result = await runCli(
      'argilla-standin.ts',
      ['submit', '--url', url, '--record', RECORD5, '--label', 'NEW_TYPE', '--start', '0', '--end', '5'],
      { cwd: REPO, env: process.env },
    );
    expect(result.out).toMatch(
      new RegExp(`^created response [0-9a-f-]{36} \\(submitted\\) on record ${RECORD5}: NEW_TYPE \\[0, 5\\)`),
    );
    expect(result.code).toBe(0);
    const record = (await (
      await fetch(`${url}/api/v1/records/${RECORD5}`, { headers: { 'X-Argilla-Api-Key': 'cli-key' } })
    ).json()) as {
      responses: { values: { entities: { value: unknown[] } } }[];
    };
    expect(record.responses[0]?.values.entities.value).toEqual([{ label: 'NEW_TYPE', start: 0, end: 5 }]);
    const questions = (await (
      await fetch(`${url}/api/v1/datasets/${V1}/questions`, { headers: { 'X-Argilla-Api-Key': 'cli-key' } })
    ).json()) as {
      items: { settings: { options?: { value: string }[] } }[];
    };
    expect(questions.items[0]?.settings.options?.map((o) => o.value)).toContain('NEW_TYPE');
    const bad = await runCli(
      'argilla-standin.ts',
      ['submit', '--url', url, '--record', RECORD5, '--label', 'PORT', '--start', '0', '--end', '500'],
      {
        cwd: REPO,
        env: process.env,
      },
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("span question response value 'end' must have a value lower or equal than");
  }, 40_000);
});

describe('npm start with ARGILLA_STANDIN=1', () => {
  it('writes ARGILLA_URL and ARGILLA_API_KEY into .dev.vars, changing only their lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-devvars-'));
    try {
      const file = join(dir, '.dev.vars');
      writeFileSync(file, '# mine\nAPI_TOKEN=t\nARGILLA_URL=http://127.0.0.1:1\n');
      expect(setDevVars(file, { ARGILLA_URL: 'http://127.0.0.1:4242', ARGILLA_API_KEY: 'k' })).toEqual([
        'ARGILLA_URL',
        'ARGILLA_API_KEY',
      ]);
      expect(readFileSync(file, 'utf8')).toBe(
        '# mine\nAPI_TOKEN=t\nARGILLA_URL=http://127.0.0.1:4242\nARGILLA_API_KEY=k\n',
      );
      expect(setDevVars(file, { ARGILLA_URL: 'http://127.0.0.1:4242' })).toEqual([]);
      expect(parseDevVars(readFileSync(file, 'utf8')).ARGILLA_API_KEY).toBe('k');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('syncs every dataset with a span question, per workspace, with document_id from metadata.document_id', async () => {
    const standin = await startArgillaStandin({ seed: MARITIME_FIXTURE });
    try {
      expect(standinDatasets(standin.store)).toEqual([
        {
          workspace: MARITIME,
          names: ['vessel-entities', 'vessel-entities-v2'],
          recordId: 'id',
          documentId: 'metadata:document_id',
        },
      ]);
      // A generated dataset has metadata.document_id too (and is dated earlier, so listed first); the draft
      // 'sandbox' has no span question.
      standin.generateDataset({ responses: 10, workspace: 'research' });
      expect(standinDatasets(standin.store).map((d) => [d.workspace, d.names])).toEqual([
        [RESEARCH, ['generated-10']],
        [MARITIME, ['vessel-entities', 'vessel-entities-v2']],
      ]);
    } finally {
      await standin.close();
    }
  });

  it('writes ARGILLA_DATASETS as one .dev.vars line wrangler reads whole: a # becomes \\u0023', () => {
    const line = datasetsVar([{ names: ['ships#2', "o'brien"] }]);
    expect(line).toBe(`[{"names":["ships\\u00232","o'brien"]}]`);
    expect(JSON.parse(line)).toEqual([{ names: ['ships#2', "o'brien"] }]);
    expect(() => datasetsVar([{ names: [] }])).toThrow('ARGILLA_DATASETS: 0.names');
  });

  it('wires the stand-in before wrangler dev: URL, owner key, datasets and a webhook to the Worker with its secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-wiring-'));
    const file = join(dir, '.dev.vars');
    const ports = { warehouse: 1, slack: 2, worker: 3 };
    let local: Awaited<ReturnType<typeof startLocalArgilla>> | undefined;
    try {
      writeFileSync(file, '# mine\nAPI_TOKEN=t\n');
      const options = {
        devVarsPath: file,
        port: 0,
        seed: [MARITIME_FIXTURE],
        workerUrl: 'http://127.0.0.1:4321',
        ports,
      };
      local = await startLocalArgilla(options);
      const vars = parseDevVars(readFileSync(file, 'utf8'));
      const [hook] = local.standin.store.webhooks;
      expect(hook).toMatchObject({
        url: 'http://127.0.0.1:4321/api/argilla/webhook',
        events: ['response.created', 'response.updated', 'response.deleted', 'record.completed'],
        enabled: true,
      });
      expect(local.standin.store.webhooks).toHaveLength(1);
      expect(vars).toMatchObject({
        API_TOKEN: 't',
        ARGILLA_URL: local.standin.url,
        ARGILLA_WEBHOOK_SECRET: hook?.secret,
        ARGILLA_DATASETS: JSON.stringify(standinDatasets(local.standin.store)),
      });
      expect(local.standin.store.userByKey(vars.ARGILLA_API_KEY as string)).toMatchObject({ role: 'owner' });
      expect(readFileSync(file, 'utf8').startsWith('# mine\nAPI_TOKEN=t\n')).toBe(true);
      const said = local.wired.join('\n');
      expect(said).toContain(`webhook ${hook?.id} -> http://127.0.0.1:4321/api/argilla/webhook`);
      expect(said).toContain('syncs vessel-entities, vessel-entities-v2 of workspace maritime');
      expect(said).toContain(`wrote ${STANDIN_VARS.join(', ')}`);
      expect(said).not.toContain(vars.ARGILLA_WEBHOOK_SECRET);
      expect(said).not.toContain(vars.ARGILLA_API_KEY);
      await local.standin.close();

      // The next start keeps the key (the Workers may hold it) and registers a webhook with a new secret.
      local = await startLocalArgilla(options);
      const again = parseDevVars(readFileSync(file, 'utf8'));
      expect(again.ARGILLA_API_KEY).toBe(vars.ARGILLA_API_KEY);
      expect(again.ARGILLA_WEBHOOK_SECRET).toBe(local.standin.store.webhooks[0]?.secret);
      expect(again.ARGILLA_WEBHOOK_SECRET).not.toBe(vars.ARGILLA_WEBHOOK_SECRET);
    } finally {
      await local?.standin.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start over a real Argilla in .dev.vars and changes none of its lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-refusal-'));
    const file = join(dir, '.dev.vars');
    try {
      const mine = 'API_TOKEN=t\nARGILLA_URL=https://argilla.example.com\nARGILLA_API_KEY=real\nARGILLA_DATASETS=[]\n';
      writeFileSync(file, mine);
      await expect(
        startLocalArgilla({
          devVarsPath: file,
          port: 0,
          seed: [MARITIME_FIXTURE],
          workerUrl: 'http://127.0.0.1:4321',
          ports: { warehouse: 1, slack: 2, worker: 3 },
        }),
      ).rejects.toThrow(
        `ARGILLA_URL in ${file} points at https://argilla.example.com/, not at a stand-in: remove it (and ARGILLA_API_KEY, ARGILLA_DATASETS, ARGILLA_WEBHOOK_SECRET) or start without ARGILLA_STANDIN=1`,
      );
      // ensureDevVars may add the stack's own missing keys; the Argilla lines stay as they were.
      expect(readFileSync(file, 'utf8').startsWith(mine)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
