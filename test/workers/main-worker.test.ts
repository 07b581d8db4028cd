import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';
import { databaseUrl, migratedDatabase, uniqueDatabase } from '../support/databases.ts';
import { ALL_APPLIED } from '../support/migration-files.ts';

let migratedUrl: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const db = await migratedDatabase('main_worker');
  migratedUrl = db.url;
  close = () => db.warehouse.close();
});

afterAll(async () => {
  await close();
});

async function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://worker.test${path}`, init),
    { ...env, WAREHOUSE_URL: migratedUrl, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

describe('main Worker: GET /health', () => {
  it('reports the warehouse round trip and the applied migrations', async () => {
    const response = await call('/health');
    expect(response.status).toBe(200);
    const body = await response.json<{
      status: string;
      warehouse: { reachable: boolean; roundTripMs: number };
      migrations: unknown;
    }>();
    expect(body.status).toBe('ok');
    expect(body.warehouse.reachable).toBe(true);
    expect(body.warehouse.roundTripMs).toBeGreaterThanOrEqual(0);
    expect(body.migrations).toEqual(ALL_APPLIED);
  });

  it('answers 503 when the warehouse cannot be reached', async () => {
    const response = await call(
      '/health',
      {},
      { WAREHOUSE_URL: 'postgres://postgres:token-0000000000000000@127.0.0.1:1/nowhere' },
    );
    expect(response.status).toBe(503);
    const body = await response.json<{ status: string; warehouse: { reachable: boolean; error: string } }>();
    expect(body.status).toBe('unavailable');
    expect(body.warehouse.reachable).toBe(false);
    expect(body.warehouse.error).toMatch(/warehouse unreachable/);
  });

  it('answers 503 and says to migrate when the warehouse has no migration record', async () => {
    const response = await call('/health', {}, { WAREHOUSE_URL: databaseUrl(uniqueDatabase('unmigrated')) });
    expect(response.status).toBe(503);
    const body = await response.json<{ migrations: { applied: number; error: string } }>();
    expect(body.migrations.applied).toBe(0);
    expect(body.migrations.error).toMatch(/run npm run migrate/);
  });
});

describe('main Worker: routing and auth', () => {
  it('answers unknown routes with a JSON 404', async () => {
    const response = await call('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
  });

  it('refuses to fire the discovery cron without the bearer token', async () => {
    const missing = await call('/__scheduled/discovery', { method: 'POST' });
    expect(missing.status).toBe(401);
    const wrong = await call('/__scheduled/discovery', { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or wrong bearer token' } });
  });

  it('hides the local-only cron route unless LOCAL_DEV is true', async () => {
    const response = await call(
      '/__scheduled/discovery',
      { method: 'POST', headers: { authorization: `Bearer ${TEST_API_TOKEN}` } },
      { LOCAL_DEV: 'false' },
    );
    expect(response.status).toBe(404);
  });

  it('fires the discovery Worker’s cron through its service binding', async () => {
    // The discovery Worker runs on its own bindings' (migrated) database and says what it found. A run the
    // real discovery queue started there may still be going ('busy'): ask again once it has ended.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await call('/__scheduled/discovery', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
      });
      expect(response.status).toBe(200);
      const body = await response.json<{ status: string; report?: { trigger: string } }>();
      expect(['succeeded', 'busy']).toContain(body.status);
      if (body.status === 'succeeded') {
        expect(body.report?.trigger).toBe('manual');
        return;
      }
      if (Date.now() > deadline) throw new Error('the discovery Worker stayed busy for a minute');
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 90_000);
});

describe('main Worker: scheduled', () => {
  it('logs a heartbeat with the warehouse and migration state', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => {
      lines.push(line);
    });
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: '*/15 * * * *', scheduledTime: 0 }),
      { ...env, WAREHOUSE_URL: migratedUrl },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    spy.mockRestore();
    const heartbeat = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'heartbeat');
    expect(heartbeat).toMatchObject({
      level: 'info',
      worker: 'living-schema',
      cron: '*/15 * * * *',
      status: 'ok',
      migrations: ALL_APPLIED,
    });
  });
});
