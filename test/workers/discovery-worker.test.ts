import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import discovery from '../../workers/discovery/index.ts';
import { migratedDatabase } from '../support/databases.ts';
import { ALL_APPLIED } from '../support/migration-files.ts';

let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  const db = await migratedDatabase('discovery_worker');
  url = db.url;
  close = () => db.warehouse.close();
});

afterAll(async () => {
  await close();
});

function captureLogs(): { lines: Record<string, unknown>[]; restore: () => void } {
  const lines: Record<string, unknown>[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => {
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { lines, restore: () => spy.mockRestore() };
}

describe('discovery Worker', () => {
  it('runs on its hourly cron', async () => {
    const logs = captureLogs();
    const ctx = createExecutionContext();
    await discovery.scheduled(
      createScheduledController({ cron: '0 * * * *', scheduledTime: 0 }),
      { ...env, WAREHOUSE_URL: url },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    logs.restore();
    expect(logs.lines).toContainEqual(
      expect.objectContaining({
        message: 'discovery trigger',
        trigger: 'cron 0 * * * *',
        migrations: ALL_APPLIED,
      }),
    );
  });

  it('turns a batch of discovery messages into one run and acks them all', async () => {
    const logs = captureLogs();
    const batch = createMessageBatch('discovery', [
      { id: 'a', timestamp: new Date(0), attempts: 1, body: { batchIds: ['b1'] } },
      { id: 'b', timestamp: new Date(0), attempts: 1, body: { batchIds: ['b2'] } },
    ]);
    const ctx = createExecutionContext();
    await discovery.queue(batch, { ...env, WAREHOUSE_URL: url }, ctx);
    const result = await getQueueResult(batch, ctx);
    logs.restore();
    expect(result.ackAll).toBe(true);
    expect(result.retryMessages).toEqual([]);
    expect(logs.lines.filter((l) => l.message === 'discovery trigger')).toHaveLength(1);
  });
});
