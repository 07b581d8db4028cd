// Loads files through the real ingest consumer from Node (remote strategy: the warehouse reads the files
// from the directories standing in for R2), for tests of what comes after ingestion.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';
import { type BatchReport, ingestBatch } from '../../lib/ingest/consumer.ts';
import { localObjectEvent } from '../../lib/ingest/local-upload.ts';
import { parseRoutes } from '../../lib/ingest/routes.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { directoryStore } from '../../tools/local/fs-store.ts';
import { writeParquet } from '../../tools/local/write-parquet.ts';

export const TEST_ROUTES = parseRoutes(
  JSON.stringify([
    { bucket: 'vessel-ocr', target: 'raw_documents' },
    { bucket: 'vessel-csv', target: 'structured_data' },
    { bucket: 'vessel-annotations', target: 'annotations' },
  ]),
);

export interface TestFile {
  readonly bucket: 'vessel-ocr' | 'vessel-csv' | 'vessel-annotations';
  readonly key: string;
  /** DuckDB query whose result becomes the Parquet file. */
  readonly sql: string;
}

/** Writes the files with DuckDB where the warehouse reads r2://bucket/key. */
export async function writeFiles(files: readonly TestFile[]): Promise<void> {
  for (const f of files) {
    const path = join(inject('r2Directories')[f.bucket] as string, f.key);
    mkdirSync(dirname(path), { recursive: true });
    await writeParquet(path, f.sql);
  }
}

let sequence = 0;

/** Writes the files and delivers their R2 notifications to the consumer as one batch, at `now`. */
export async function ingestFiles(warehouse: Warehouse, files: readonly TestFile[], now: Date): Promise<BatchReport> {
  await writeFiles(files);
  const store = directoryStore(inject('r2Directories'));
  const messages = await Promise.all(
    files.map(async (f) => {
      const head = await store.head(f.bucket, f.key);
      if (!head) throw new Error(`test: ${f.bucket}/${f.key} was written but is not in the local bucket`);
      return {
        id: `node-${++sequence}`,
        attempts: 1,
        body: localObjectEvent({ ...head, bucket: f.bucket, key: f.key, now, account: 'test' }),
      };
    }),
  );
  const report = await ingestBatch(messages, {
    warehouse,
    store,
    routes: TEST_ROUTES,
    strategy: 'remote',
    clock: () => now,
    newId: () => crypto.randomUUID(),
    log: silentLogger,
    deadLetter: async () => {},
    notifyDiscovery: async () => {},
  });
  const bad = report.outcomes.filter((o) => o.kind !== 'loaded');
  if (bad.length > 0) throw new Error(`files did not load: ${JSON.stringify(bad)}`);
  return report;
}
