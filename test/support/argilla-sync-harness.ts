// What the Node Argilla sync tests share: the local Argilla stand-in on a free loopback port, a database of its
// own on the embedded warehouse, a bucket that writes where the warehouse reads r2:// (and remembers the keys it
// wrote), and the real ingest consumer for the files the sync announced.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { createArgillaClient } from '../../lib/argilla/client.ts';
import { ArgillaDatasetConfig } from '../../lib/argilla/config.ts';
import type { ArgillaSyncDeps } from '../../lib/argilla/sync.ts';
import { ingestBatch } from '../../lib/ingest/consumer.ts';
import type { R2Event } from '../../lib/ingest/event.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import type { Fixture } from '../../tools/argilla-standin/fixture.ts';
import { type ArgillaStandin, startArgillaStandin } from '../../tools/argilla-standin/server.ts';
import type { WebhookOptions } from '../../tools/argilla-standin/webhooks.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import { freePort } from '../../tools/local/ports.ts';
import { migratedDatabase } from './databases.ts';
import { TEST_ROUTES } from './node-loads.ts';
import { initParquetWasmForNode } from './parquet-wasm.ts';

export const BUCKET = 'vessel-annotations';
/** The maritime fixture's workspace and its admin, whose key the sync uses (an admin member may read all responses). */
export const MARITIME = '5b0c3f0e-6a51-4c39-9d43-7f6a2e1b0a01';
export const ADMIN_KEY = 'maritime-admin-key-sync';
/** The owner's key, for what only an owner may do (webhooks). */
export const OWNER_KEY = 'owner-key-sync';

export interface SyncHarness {
  readonly argilla: ArgillaStandin;
  readonly warehouse: Warehouse;
  /** Keys the sync put into the bucket, oldest first. */
  readonly written: string[];
  /** Keys written with R2 custom metadata, and that metadata. */
  readonly metadata: Map<string, Record<string, string>>;
  /** Ingest messages the sync sent and ingestSent has not delivered yet. */
  readonly sent: R2Event[];
  /** Waits the client asked for between attempts. */
  readonly waits: number[];
  /** The sync's clock; `tick()` moves it on 15 minutes, so each sync's file is newer than the last. */
  now(): Date;
  tick(): Date;
  deps(overrides?: { apiKey?: string; fetch?: typeof fetch; names?: readonly string[] }): ArgillaSyncDeps;
  /** Delivers the sent messages to the real ingest consumer; throws unless every file loaded. */
  ingestSent(): Promise<void>;
  /** Requests the stand-in answered since `mark()`, as `METHOD path status`. */
  requestsSince(mark: number): string[];
  close(): Promise<void>;
}

export async function startSyncHarness(options: {
  readonly prefix: string;
  readonly seed: string | Fixture;
  readonly names: readonly string[];
  /** The sync's clock at the start (default 2026-11-21T12:00:00Z). */
  readonly start?: string;
  readonly webhooks?: WebhookOptions;
}): Promise<SyncHarness> {
  initParquetWasmForNode();
  // Argilla's data clock: fixed, so every timestamp it hands out is known (each change is 1 µs after the last).
  const argilla = await startArgillaStandin({
    port: await freePort(),
    seed: options.seed,
    apiKeys: {
      [ADMIN_KEY]: { username: 'maritime-admin', role: 'admin', workspaces: ['maritime'] },
      [OWNER_KEY]: { username: 'argilla', role: 'owner', workspaces: [] },
    },
    clock: () => new Date('2025-06-01T12:00:00.000Z'),
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
  });
  const { warehouse } = await migratedDatabase(options.prefix);
  // R2 directories are shared by every test file: batch ids (hence keys) carry this run's id.
  const runId = Math.random().toString(36).slice(2, 8);
  const dir = inject('r2Directories')[BUCKET] as string;
  const written: string[] = [];
  const metadata = new Map<string, Record<string, string>>();
  const sent: R2Event[] = [];
  const waits: number[] = [];
  let clock = new Date(options.start ?? '2026-11-21T12:00:00.000Z');
  let ids = 0;
  let messages = 0;

  return {
    argilla,
    warehouse,
    written,
    metadata,
    sent,
    waits,
    now: () => clock,
    tick: () => {
      clock = new Date(clock.getTime() + 15 * 60_000);
      return clock;
    },
    deps: (overrides = {}) => ({
      argilla: createArgillaClient({
        baseUrl: argilla.url,
        apiKey: overrides.apiKey ?? ADMIN_KEY,
        fetch: overrides.fetch ?? fetch,
        sleep: async (ms) => void waits.push(ms),
        log: silentLogger,
      }),
      warehouse,
      bucket: {
        put: async (key, body, customMetadata) => {
          if (customMetadata) metadata.set(key, customMetadata);
          const path = join(dir, key);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, body);
          written.push(key);
          return { etag: createHash('md5').update(body).digest('hex'), size: body.byteLength };
        },
      },
      bucketName: BUCKET,
      notify: async (event) => void sent.push(event),
      datasets: [
        ArgillaDatasetConfig.parse({
          workspace: MARITIME,
          names: overrides.names ?? options.names,
          documentId: 'metadata:document_id',
        }),
      ],
      clock: () => clock,
      newId: () => `${runId}-${++ids}`,
      log: silentLogger,
    }),
    ingestSent: async () => {
      const batch = sent.splice(0).map((body) => ({ id: `m-${runId}-${++messages}`, attempts: 1, body }));
      const report = await ingestBatch(batch, {
        warehouse,
        store: directoryStore(inject('r2Directories')),
        routes: TEST_ROUTES,
        strategy: 'remote',
        clock: () => clock,
        newId: () => crypto.randomUUID(),
        log: silentLogger,
        deadLetter: async () => {},
        notifyDiscovery: async () => {},
      });
      const bad = report.outcomes.filter((o) => o.kind !== 'loaded');
      if (bad.length > 0) throw new Error(`did not load: ${JSON.stringify(bad)}`);
    },
    requestsSince: (mark) => argilla.requests.slice(mark).map((r) => `${r.method} ${r.path} ${r.status}`),
    close: async () => {
      await warehouse.close();
      await argilla.close();
    },
  };
}

/** The current annotation rows of a dataset, compactly: what a reader of the warehouse sees now. */
export async function currentRows(warehouse: Warehouse, dataset: string) {
  const rows = await warehouse.query<Record<string, unknown>>(
    `SELECT record_id, document_id, entity_type, "start", "end", text, annotator, status,
            strftime(annotated_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%f') AS annotated_at,
            json_extract_string(metadata, '$.proposed_entity_type') AS proposal,
            json_extract_string(metadata, '$.argilla_row') AS row_kind,
            json_extract_string(metadata, '$.offset_unit') AS unit
     FROM annotations WHERE valid_to IS NULL AND dataset = $1::VARCHAR
     ORDER BY record_id, annotator, "start", entity_type`,
    [dataset],
  );
  return rows.map((r) => row(r));
}

/** One annotation row as a tuple: record, document, type, start, end, text, annotator, status, unit, proposal. */
export type Row = [string, string, string, number, number, string, string, string, string | null, string | null];

function row(r: Record<string, unknown>): Row {
  return [
    String(r.record_id).slice(-2),
    String(r.document_id),
    String(r.entity_type),
    Number(r.start),
    Number(r.end),
    String(r.text),
    String(r.annotator),
    String(r.status),
    (r.unit ?? (r.row_kind === 'tombstone' ? 'tombstone' : null)) as string | null,
    (r.proposal ?? null) as string | null,
  ];
}
