// The Argilla client over real HTTP against a loopback Argilla (test/support/argilla-fake.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { ArgillaTime, argillaTimeMicros } from '../../lib/argilla/schemas.ts';
import { silentLogger } from '../../lib/log.ts';
import {
  type FakeArgilla,
  type FakeRecord,
  questionsFor,
  startFakeArgilla,
  WORKSPACE,
} from '../support/argilla-fake.ts';

const DATASET = 'ae2961f0-18a4-49d5-ba0c-40fa863fc8f2';
let argilla: FakeArgilla;
let waits: number[];

const client = (overrides: { apiKey?: string; maxAttempts?: number } = {}) =>
  createArgillaClient({
    baseUrl: `${argilla.url}/`,
    apiKey: overrides.apiKey ?? 'owner.apikey',
    fetch,
    sleep: async (ms) => void waits.push(ms),
    log: silentLogger,
    ...(overrides.maxAttempts ? { maxAttempts: overrides.maxAttempts } : {}),
  });

function record(i: number): FakeRecord {
  return {
    id: `rec-${String(i).padStart(5, '0')}`,
    fields: { text: `Vessel ${i}` },
    metadata: null,
    external_id: `doc-${i}`,
    // Many records share one inserted_at: only the id keeps the order stable.
    inserted_at: `2024-09-20T09:39:${String(Math.floor(i / 1000)).padStart(2, '0')}`,
    responses: [],
  };
}

beforeAll(async () => {
  argilla = await startFakeArgilla();
});
afterAll(async () => argilla.close());
beforeEach(() => {
  waits = [];
  argilla.requests.length = 0;
  argilla.inject.length = 0;
  argilla.datasets.length = 0;
  argilla.datasets.push({
    id: DATASET,
    name: 'vessels-v1',
    workspace_id: WORKSPACE,
    last_activity_at: '2024-09-26T14:17:20',
    questions: questionsFor(DATASET),
    records: Array.from({ length: 2345 }, (_, i) => record(2344 - i)),
  });
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
    const list = await client().listDatasets({ workspaceId: WORKSPACE, name: 'vessels-v1' });
    expect(list).toEqual([
      {
        id: DATASET,
        name: 'vessels-v1',
        guidelines: null,
        status: 'ready',
        metadata: null,
        workspace_id: WORKSPACE,
        last_activity_at: '2024-09-26T14:17:20.000000Z',
        inserted_at: '2024-09-26T14:17:20.477163Z',
        updated_at: '2024-09-26T14:17:20.477163Z',
      },
    ]);
    expect(argilla.requests).toEqual([`GET /api/v1/me/datasets?workspace_id=${WORKSPACE}&name=vessels-v1`]);
    expect((await client().listQuestions(DATASET)).map((q) => [q.name, q.settings.type])).toEqual([
      ['entities', 'span'],
      ['proposed_entity_type', 'text'],
    ]);
    expect((await client().listFields(DATASET)).map((f) => f.name)).toEqual(['text']);
    expect((await client().getDataset(DATASET)).last_activity_at).toBe('2024-09-26T14:17:20.000000Z');
  });

  it('pages past 1,000 records in a stable order: inserted_at, then id', async () => {
    const ids: string[] = [];
    for await (const r of client().records(DATASET)) ids.push(r.id);
    expect(ids).toHaveLength(2345);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(2345);
    expect(argilla.requests).toEqual([
      `POST /api/v1/datasets/${DATASET}/records/search?include=responses&offset=0&limit=1000`,
      `POST /api/v1/datasets/${DATASET}/records/search?include=responses&offset=1000&limit=1000`,
      `POST /api/v1/datasets/${DATASET}/records/search?include=responses&offset=2000&limit=1000`,
    ]);
  });

  it('waits for Retry-After after a 429 and then succeeds', async () => {
    argilla.inject.push({ status: 429, headers: { 'retry-after': '2' } });
    const list = await client().listDatasets();
    expect(list.map((d) => d.name)).toEqual(['vessels-v1']);
    expect(waits).toEqual([2000]);
    expect(argilla.requests).toHaveLength(2);
  });

  it('retries 5xx with capped backoff a bounded number of times, then fails as unavailable', async () => {
    for (let i = 0; i < 10; i += 1) argilla.inject.push({ status: 503, body: 'upstream down' });
    await expect(client({ maxAttempts: 4 }).listQuestions(DATASET)).rejects.toMatchObject({
      code: 'upstream_unavailable',
      retryable: true,
      message: expect.stringContaining(`Argilla did not answer dataset ${DATASET} after 4 attempts`),
    });
    expect(waits).toEqual([500, 1000, 2000]);
    expect(argilla.requests).toHaveLength(4);
  });

  it('turns a bad key into an error naming the dataset and Argilla’s own code and detail, without retrying', async () => {
    const error = await client({ apiKey: 'wrong' })
      .searchRecords(DATASET, { offset: 0, limit: 10 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'upstream_refused',
      retryable: false,
      httpStatus: 401,
      argillaCode: 'argilla.api.errors::UnauthorizedError',
      detail: 'Could not validate credentials',
      message: `Argilla refused POST /datasets/${DATASET}/records/search for dataset ${DATASET}: 401 argilla.api.errors::UnauthorizedError: Could not validate credentials (the key is missing or invalid (X-Argilla-Api-Key))`,
    });
    expect(argilla.requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('names 403, 404 and 422 with Argilla’s detail', async () => {
    argilla.inject.push({
      status: 403,
      body: JSON.stringify({
        detail: { code: 'argilla.api.errors::ForbiddenOperationError', params: { detail: 'Operation not allowed' } },
      }),
    });
    await expect(client().listQuestions(DATASET)).rejects.toMatchObject({
      httpStatus: 403,
      argillaCode: 'argilla.api.errors::ForbiddenOperationError',
      message: expect.stringContaining("use an owner's key or an admin's who is a member of the dataset's workspace"),
    });
    await expect(client().listQuestions('missing')).rejects.toMatchObject({
      code: 'not_found',
      httpStatus: 404,
      argillaCode: null,
      detail: 'Dataset with id `missing` not found',
    });
    argilla.inject.push({
      status: 422,
      body: JSON.stringify({
        detail: {
          code: 'argilla.api.errors::ValidationError',
          params: { errors: [{ loc: ['query', 'limit'], msg: 'too big', type: 'less_than_equal' }] },
        },
      }),
    });
    await expect(client().searchRecords(DATASET, { offset: 0, limit: 1000 })).rejects.toMatchObject({
      httpStatus: 422,
      detail: 'query.limit: too big',
    });
  });

  it('refuses an answer that does not have the reference’s shape', async () => {
    argilla.inject.push({ status: 200, body: JSON.stringify({ items: [{ id: 1 }] }) });
    await expect(client().listDatasets()).rejects.toMatchObject({
      code: 'upstream_refused',
      message: expect.stringContaining('does not have the expected shape'),
    });
  });

  it('asks for named records with a terms filter on the record id', async () => {
    const page = await client().searchRecords(DATASET, { offset: 0, limit: 10, recordIds: ['rec-00001', 'rec-00007'] });
    expect(page.records.map((r) => r.id)).toEqual(['rec-00001', 'rec-00007']);
    expect(page.total).toBe(2);
  });
});
