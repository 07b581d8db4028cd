// The Argilla client over real HTTP against the local Argilla stand-in (tools/argilla-standin/), seeded with
// the maritime fixture and a generated dataset of 2,345 records.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { ArgillaTime, argillaTimeMicros } from '../../lib/argilla/schemas.ts';
import { silentLogger } from '../../lib/log.ts';
import { MARITIME_FIXTURE } from '../../tools/argilla-standin/fixture.ts';
import { type ArgillaStandin, startArgillaStandin } from '../../tools/argilla-standin/server.ts';
import { freePort } from '../../tools/local/ports.ts';

const OWNER = 'owner-key-client-test';
const ANNOTATOR = 'alice-key-client-test';
const MARITIME = '5b0c3f0e-6a51-4c39-9d43-7f6a2e1b0a01';
const V1 = 'd1a7a5e7-0000-4000-8000-000000000001';
const MISSING = '00000000-0000-4000-8000-000000000000';
let argilla: ArgillaStandin;
let paging = '';
let waits: number[];
let since = 0;

const client = (overrides: { apiKey?: string; maxAttempts?: number } = {}) =>
  createArgillaClient({
    baseUrl: `${argilla.url}/`,
    apiKey: overrides.apiKey ?? OWNER,
    fetch,
    sleep: async (ms) => void waits.push(ms),
    log: silentLogger,
    ...(overrides.maxAttempts ? { maxAttempts: overrides.maxAttempts } : {}),
  });

/** The requests the stand-in answered since this test began, as `METHOD path status`. */
const requests = () => argilla.requests.slice(since).map((r) => `${r.method} ${r.path} ${r.status}`);

beforeAll(async () => {
  argilla = await startArgillaStandin({
    port: await freePort(),
    seed: MARITIME_FIXTURE,
    apiKeys: {
      [OWNER]: { username: 'argilla', role: 'owner', workspaces: [] },
      [ANNOTATOR]: { username: 'alice', role: 'annotator', workspaces: ['maritime'] },
    },
    clock: () => new Date('2025-06-01T12:00:00.000Z'),
  });
  // Every record shares one inserted_at, so only the id keeps the order stable.
  const made = argilla.generateDataset({
    name: 'paging',
    responses: 2345,
    perRecord: 1,
    annotators: ['alice'],
    from: '2025-05-01T00:00:00',
    to: '2025-05-01T00:00:00',
    seed: 11,
  });
  paging = made.dataset.id;
});
afterAll(async () => argilla?.close());
beforeEach(() => {
  waits = [];
  since = argilla.requests.length;
});

describe('Argilla client', () => {
  it('reads naive timestamps as UTC, keeping microseconds, with or without a fraction', () => {
    expect(ArgillaTime.parse('2024-09-26T14:17:20.477163')).toBe('2024-09-26T14:17:20.477163Z');
    expect(ArgillaTime.parse('2024-09-26T14:17:20')).toBe('2024-09-26T14:17:20.000000Z');
    expect(ArgillaTime.parse('2024-09-26T14:17:20.5Z')).toBe('2024-09-26T14:17:20.500000Z');
    expect(argillaTimeMicros(ArgillaTime.parse('1970-01-01T00:00:01.000002'))).toBe(1_000_002n);
    expect(ArgillaTime.safeParse('2024-09-26 14:17').success).toBe(false);
  });

  it('lists datasets by workspace and name with the key in X-Argilla-Api-Key', async () => {
    const list = await client().listDatasets({ workspaceId: MARITIME, name: 'vessel-entities' });
    expect(list).toEqual([
      {
        id: V1,
        name: 'vessel-entities',
        guidelines: 'Mark every vessel name, IMO number, flag state and port.',
        status: 'ready',
        metadata: { source: 'ocr-batch-2025-03' },
        workspace_id: MARITIME,
        // Argilla drops a zero fraction (2025-03-08T17:05:00); the client keeps six digits.
        last_activity_at: '2025-03-08T17:05:00.000000Z',
        inserted_at: '2025-03-01T09:00:00.123456Z',
        updated_at: '2025-03-01T09:00:00.123456Z',
      },
    ]);
    expect(requests()).toEqual([`GET /api/v1/me/datasets?workspace_id=${MARITIME}&name=vessel-entities 200`]);
    expect((await client().listQuestions(V1)).map((q) => [q.name, q.settings.type])).toEqual([
      ['entities', 'span'],
      ['proposed_entity_type', 'text'],
    ]);
    expect((await client().listFields(V1)).map((f) => f.name)).toEqual(['text']);
    expect((await client().getDataset(V1)).last_activity_at).toBe('2025-03-08T17:05:00.000000Z');
    expect((await client().listWorkspaceUsers(MARITIME)).map((u) => u.username)).toEqual([
      'maritime-admin',
      'alice',
      'bob',
      'chen',
    ]);
  });

  it('pages past 1,000 records in a stable order: inserted_at, then id', async () => {
    const ids: string[] = [];
    for await (const r of client().records(paging)) ids.push(r.id);
    const expected = [...argilla.store.dataset(paging).records]
      .sort((a, b) => a.inserted_at - b.inserted_at || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    expect(ids).toHaveLength(2345);
    expect(new Set(ids).size).toBe(2345);
    expect(ids).toEqual(expected);
    expect(requests()).toEqual([
      `POST /api/v1/datasets/${paging}/records/search?include=responses&offset=0&limit=1000 200`,
      `POST /api/v1/datasets/${paging}/records/search?include=responses&offset=1000&limit=1000 200`,
      `POST /api/v1/datasets/${paging}/records/search?include=responses&offset=2000&limit=1000 200`,
    ]);
  });

  it('waits for Retry-After after a 429 and then succeeds', async () => {
    argilla.failNext(1, { status: 429, retryAfter: 2 });
    const list = await client().listDatasets({ workspaceId: MARITIME });
    expect(list.map((d) => d.name)).toEqual(['vessel-entities', 'vessel-entities-v2', 'paging']);
    expect(waits).toEqual([2000]);
    expect(requests()).toEqual([
      `GET /api/v1/me/datasets?workspace_id=${MARITIME} 429`,
      `GET /api/v1/me/datasets?workspace_id=${MARITIME} 200`,
    ]);
  });

  it('retries 5xx with capped backoff a bounded number of times, then fails as unavailable', async () => {
    argilla.failNext(4, { status: 503 });
    await expect(client({ maxAttempts: 4 }).listQuestions(V1)).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
      message: expect.stringContaining(`Argilla did not answer dataset ${V1} after 4 attempts`),
    });
    expect(waits).toEqual([500, 1000, 2000]);
    expect(requests()).toEqual(Array(4).fill(`GET /api/v1/datasets/${V1}/questions 503`));
    // The faults are used up: the next request is answered.
    expect(await client().listQuestions(V1)).toHaveLength(2);
  });

  it('turns a bad key into an error naming the dataset and Argilla’s own code and detail, without retrying', async () => {
    const error = await client({ apiKey: 'wrong' })
      .searchRecords(V1, { offset: 0, limit: 10 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'upstream_refused',
      retryable: false,
      httpStatus: 401,
      argillaCode: 'argilla.api.errors::UnauthorizedError',
      detail: 'Could not validate credentials',
      message: `Argilla refused POST /datasets/${V1}/records/search for dataset ${V1}: 401 argilla.api.errors::UnauthorizedError: Could not validate credentials (the key is missing or invalid (X-Argilla-Api-Key))`,
    });
    expect(requests()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('names 403, 404 and 422 with Argilla’s detail', async () => {
    // An annotator may read the dataset but not every user's responses.
    await expect(client({ apiKey: ANNOTATOR }).searchRecords(V1, { offset: 0, limit: 10 })).rejects.toMatchObject({
      httpStatus: 403,
      argillaCode: 'argilla.api.errors::ForbiddenOperationError',
      detail: 'Operation not allowed',
      message: expect.stringContaining("use an owner's key or an admin's who is a member of the dataset's workspace"),
    });
    await expect(client().listQuestions(MISSING)).rejects.toMatchObject({
      code: 'not_found',
      httpStatus: 404,
      argillaCode: null,
      detail: `Dataset with id \`${MISSING}\` not found`,
    });
    await expect(client().listDatasets({ workspaceId: 'not-a-uuid' })).rejects.toMatchObject({
      httpStatus: 422,
      argillaCode: 'argilla.api.errors::ValidationError',
      detail: 'query.workspace_id: Input should be a valid UUID',
    });
    expect(waits).toEqual([]);
  });

  it('refuses an answer that does not have the reference’s shape', async () => {
    argilla.failNext(1, { status: 200, body: { items: [{ id: 1 }] } });
    await expect(client().listDatasets()).rejects.toMatchObject({
      code: 'upstream_refused',
      message: expect.stringContaining('does not have the expected shape'),
    });
    expect(requests()).toEqual(['GET /api/v1/me/datasets 200']);
  });

  it('asks for named records with a terms filter on the record id', async () => {
    const records = argilla.store.dataset(paging).records;
    const wanted = [records[7]?.id, records[1]?.id].map(String);
    const page = await client().searchRecords(paging, { offset: 0, limit: 10, recordIds: wanted });
    expect(page.records.map((r) => r.id)).toEqual([...wanted].sort());
    expect(page.total).toBe(2);
    expect(page.records.map((r) => r.responses?.map((x) => x.status))).toEqual([['submitted'], ['submitted']]);
  });
});
