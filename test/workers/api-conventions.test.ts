// The main Worker's HTTP conventions through its fetch: the OpenAPI document (valid, and covering exactly the
// routes Hono knows), 405 with Allow, one error shape, one pagination shape, READ_AUTH and CORS_ORIGINS.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requestRun } from '../../lib/discovery/runs.ts';
import { recordIngest } from '../../lib/ingest/ingest-log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { app } from '../../workers/main/app.ts';
import worker from '../../workers/main/index.ts';
import { openApiPath, routesOf } from '../../workers/main/openapi.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { migratedDatabase } from '../support/databases.ts';

let url: string;
let warehouse: Warehouse;
const auth = { authorization: `Bearer ${TEST_API_TOKEN}` };

beforeAll(async () => {
  const db = await migratedDatabase('api_conventions');
  url = db.url;
  warehouse = db.warehouse;
  for (const [i, id] of ['run-a', 'run-b', 'run-c'].entries()) {
    await requestRun(warehouse, { id, trigger: 'api', full: false, now: new Date(Date.UTC(2026, 10, 21, 10, i)) });
  }
  await recordIngest(warehouse, {
    id: 'load-1',
    bucket: 'vessel-csv',
    key: 'ports/2026-11.csv',
    etag: 'e1',
    action: 'PutObject',
    target: 'structured_data',
    strategy: 'push',
    batchId: 'batch-1',
    schemaVersion: null,
    rows: 3,
    bytes: 120,
    status: 'loaded',
    error: null,
    errorCode: null,
    attempts: 1,
    eventTime: new Date('2026-11-21T12:00:00.000Z'),
    startedAt: new Date('2026-11-21T12:00:01.000Z'),
    finishedAt: new Date('2026-11-21T12:00:01.250Z'),
  });
});

afterAll(async () => {
  await warehouse.close();
});

async function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, init),
    { ...env, WAREHOUSE_URL: url, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

type Document = { openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> };

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document a standard validator accepts', async () => {
    const response = await call('/openapi.json');
    expect(response.status).toBe(200);
    const document = await response.json<Document>();
    expect(document.openapi).toBe('3.1.0');
    const verdict = await fetch(`${inject('fixturesUrl')}validate/openapi`, {
      method: 'POST',
      body: JSON.stringify(document),
    });
    expect(await verdict.json()).toEqual({ valid: true });
  });

  it('the validator refuses a document that is not OpenAPI 3.1', async () => {
    const verdict = await fetch(`${inject('fixturesUrl')}validate/openapi`, {
      method: 'POST',
      body: JSON.stringify({ openapi: '3.1.0', info: { title: 'no version' }, paths: {} }),
    });
    expect(await verdict.json()).toMatchObject({ valid: false });
  });

  it('documents every route Hono knows, and routes every documented path', async () => {
    const document = await (await call('/openapi.json')).json<Document>();
    const { documented, undocumented } = routesOf(app);
    expect(undocumented).toEqual([]);
    const routed = app.routes
      .filter((r) => !(r.method === 'ALL' && r.path.endsWith('*')))
      .map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`);
    const inDocument = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(new Set(inDocument)).toEqual(new Set(routed));
    expect(inDocument).toContain('get /openapi.json');
    expect(inDocument).toContain('put /v1/objects/{bucket}/{key}');
    expect(documented.length).toBe(inDocument.length);
  });

  it('marks write routes as needing the bearer token, reads as optionally so, and local-only routes', async () => {
    const document = await (await call('/openapi.json')).json<Document & { paths: Record<string, never> }>();
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    expect(paths['/api/discovery/run']?.post?.security).toEqual([{ bearer: [] }]);
    expect(paths['/api/conflicts']?.get?.security).toEqual([{}, { bearer: [] }]);
    expect(paths['/health']?.get?.security).toEqual([]);
    expect(paths['/v1/objects/{bucket}/{key}']?.delete?.['x-local-only']).toBe(true);
    expect(paths['/']?.get?.responses).toMatchObject({ 200: { content: { 'text/html': {} } } });
    expect(paths['/']?.get?.security).toEqual([{ console: [] }]);
    expect(paths['/sign-in']?.post?.requestBody).toMatchObject({
      content: { 'application/x-www-form-urlencoded': {} },
    });
    expect(paths['/review']?.get?.responses).toMatchObject({ 301: {} });
    expect(paths['/schema/versions/{n}']?.get?.security).toEqual([{ console: [] }]);
  });
});

describe('a wrong method on a known path', () => {
  it('answers 405 with Allow listing the methods routed there', async () => {
    const response = await call('/health', { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toEqual({
      error: { code: 'method_not_allowed', message: 'POST is not allowed on /health; allowed: GET, HEAD' },
    });
    const resolve = await call('/api/conflicts/c1/resolve');
    expect(resolve.status).toBe(405);
    expect(resolve.headers.get('allow')).toBe('POST');
  });

  it('an unknown path stays 404, and so does a local-only path outside the local stack', async () => {
    const response = await call('/api/nope', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route for POST /api/nope' } });
    const local = await call('/v1/objects/vessel-csv/a.csv', {}, { LOCAL_DEV: 'false' });
    expect(local.status).toBe(404);
    expect((await call('/v1/objects/vessel-csv/a.csv')).headers.get('allow')).toBe('DELETE, PUT');
  });
});

describe('errors', () => {
  it('a query that does not parse is a 400 in the one error shape, naming the field', async () => {
    const response = await call('/api/discovery/runs?offset=-1');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'bad_request', message: 'offset: Too small: expected number to be >=0' },
    });
  });
});

describe('pagination', () => {
  it('lists answer { items, limit, offset, total }, total counting every match', async () => {
    const response = await call('/api/discovery/runs?limit=1&offset=1');
    expect(response.status).toBe(200);
    const page = await response.json<{ runs: { id: string }[]; limit: number; offset: number; total: number }>();
    expect({ ...page, runs: page.runs.map((r) => r.id) }).toEqual({ runs: ['run-b'], limit: 1, offset: 1, total: 3 });
    expect(await (await call('/api/conflicts')).json()).toEqual({ conflicts: [], limit: 100, offset: 0, total: 0 });
  });

  it('keeps each list’s limit bounds', async () => {
    const response = await call('/api/discovery/runs?limit=201');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'bad_request', message: 'limit: Too big: expected number to be <=200' },
    });
  });
});

describe('JSON fields are camelCase', () => {
  it('/api/ingestions answers ingest_log rows in camelCase', async () => {
    expect(await (await call('/api/ingestions?bucket=vessel-csv')).json()).toEqual({
      ingestions: [
        {
          id: 'load-1',
          bucket: 'vessel-csv',
          key: 'ports/2026-11.csv',
          etag: 'e1',
          action: 'PutObject',
          target: 'structured_data',
          strategy: 'push',
          batchId: 'batch-1',
          schemaVersion: null,
          rows: 3,
          bytes: 120,
          status: 'loaded',
          error: null,
          errorCode: null,
          attempts: 1,
          eventTime: '2026-11-21T12:00:00.000Z',
          startedAt: '2026-11-21T12:00:01.000Z',
          finishedAt: '2026-11-21T12:00:01.250Z',
          durationMs: 250,
        },
      ],
      limit: 100,
      offset: 0,
      total: 1,
    });
  });
});

describe('READ_AUTH', () => {
  const tokenReads = { READ_AUTH: 'token' } as Partial<Env>;

  it('token: a GET under /api or of /openapi.json without the token is 401, with it 200; /health stays open', async () => {
    const refused = await call('/api/discovery/runs', {}, tokenReads);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
    expect((await call('/openapi.json', {}, tokenReads)).status).toBe(401);
    expect((await call('/api/discovery/runs', { headers: auth }, tokenReads)).status).toBe(200);
    expect((await call('/openapi.json', { headers: auth }, tokenReads)).status).toBe(200);
    expect((await call('/health', {}, tokenReads)).status).toBe(200);
  });

  it('open (the default): reads need no token', async () => {
    expect((await call('/api/discovery/runs', {}, { READ_AUTH: 'open' } as Partial<Env>)).status).toBe(200);
  });

  it('another value fails every request, naming the variable', async () => {
    const response = await call('/health', {}, { READ_AUTH: 'maybe' } as Partial<Env>);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { code: 'internal', message: "the Worker is misconfigured: READ_AUTH: expected 'open' or 'token'" },
    });
  });
});

describe('CORS_ORIGINS', () => {
  const listed = { CORS_ORIGINS: 'https://app.example.com, https://ops.example.com' } as Partial<Env>;

  it('empty (the default): no CORS headers', async () => {
    const response = await call('/health', { headers: { origin: 'https://app.example.com' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a list: listed origins are allowed for reads and writes, others get no CORS headers', async () => {
    const read = await call('/health', { headers: { origin: 'https://ops.example.com' } }, listed);
    expect(read.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    const preflight = await call(
      '/api/discovery/run',
      { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } },
      listed,
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PUT,DELETE');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await call('/health', { headers: { origin: 'https://evil.example.com' } }, listed);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('*: any origin for reads, never for writes, never with credentials', async () => {
    const any = { CORS_ORIGINS: '*' } as Partial<Env>;
    const read = await call('/health', { headers: { origin: 'https://x.example.com' } }, any);
    expect(read.headers.get('access-control-allow-origin')).toBe('*');
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await call(
      '/api/discovery/run',
      { method: 'OPTIONS', headers: { origin: 'https://x.example.com', 'access-control-request-method': 'POST' } },
      any,
    );
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,HEAD');
    const write = await call(
      '/api/discovery/run',
      { method: 'POST', headers: { origin: 'https://x.example.com' } },
      any,
    );
    expect(write.status).toBe(401);
    expect(write.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a value that is not an origin fails every request, naming the variable', async () => {
    const response = await call('/health', {}, { CORS_ORIGINS: 'app.example.com' } as Partial<Env>);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: 'internal',
        message:
          'the Worker is misconfigured: CORS_ORIGINS: expected empty, * or exact origins like https://app.example.com, not app.example.com',
      },
    });
  });
});
