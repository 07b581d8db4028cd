// The discovery Worker's runPrompt RPC: the run a webhook's load asks for, without the queue's debounce.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { DiscoveryControl } from '../../workers/discovery/index.ts';
import { migratedDatabase } from '../support/databases.ts';
import { deliver, discoveryEnv, fixtureBytes, putEvent, putObject } from './helpers.ts';

let db: { url: string; warehouse: Warehouse };

beforeAll(async () => {
  db = await migratedDatabase('discovery_prompt');
  const key = 'argilla/prompt-vessels-1.parquet';
  const object = await putObject('vessel-annotations', key, await fixtureBytes('discovery/vessels-1.parquet'));
  const delivery = await deliver([{ body: putEvent('vessel-annotations', key, object) }], { WAREHOUSE_URL: db.url });
  expect(delivery.explicitAcks).toHaveLength(1);
}, 60_000);

afterAll(async () => {
  await db.warehouse.close();
});

async function runPrompt() {
  const ctx = createExecutionContext();
  const control = new DiscoveryControl(ctx, discoveryEnv({ WAREHOUSE_URL: db.url }) as never);
  const outcome = await control.runPrompt();
  await waitOnExecutionContext(ctx);
  return outcome;
}

describe('runPrompt', () => {
  it('runs an incremental discovery at once and publishes what the loads brought; a second run finds nothing new', async () => {
    const first = await runPrompt();
    expect(first.status).toBe('succeeded');
    const second = await runPrompt();
    expect(second.status).toBe('succeeded');
    const runs = await db.warehouse.query<{ id: string; trigger: string; full: boolean; status: string }>(
      'SELECT id, "trigger", full_scan AS "full", status FROM discovery_runs ORDER BY started_at',
    );
    expect(runs).toEqual([
      { id: first.runId, trigger: 'queue', full: false, status: 'succeeded' },
      { id: second.runId, trigger: 'queue', full: false, status: 'succeeded' },
    ]);
    const snapshots = await db.warehouse.query<{ version: number }>('SELECT version FROM schema_snapshots');
    expect(snapshots).toEqual([{ version: 1 }]);
  });
});
