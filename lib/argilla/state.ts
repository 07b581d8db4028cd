// The sync's state in the warehouse (migration 0010): per dataset, its last_activity_at at the last complete
// sync; per response, its updated_at and status as synced and the identity its rows were written under.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import type { ArgillaTime } from './schemas.ts';

export interface DatasetState {
  readonly datasetId: string;
  /** Microseconds since the epoch. */
  readonly lastActivityMicros: bigint;
}

export interface ResponseState {
  readonly responseId: string;
  readonly argillaRecordId: string;
  readonly userId: string;
  readonly status: string;
  readonly updatedMicros: bigint;
  readonly recordKey: string | null;
  readonly documentId: string | null;
  readonly annotator: string | null;
  readonly currentRows: number;
}

/** A response's state as the sync writes it. */
export interface ResponseStateWrite {
  readonly responseId: string;
  readonly argillaRecordId: string;
  readonly userId: string;
  readonly status: string;
  readonly updatedAt: ArgillaTime;
  readonly recordKey: string | null;
  readonly documentId: string | null;
  readonly annotator: string | null;
  readonly currentRows: number;
  readonly batchId: string | null;
}

const DatasetRow = z.object({ dataset_id: z.string(), last_activity_us: z.string() });

export async function readDatasetState(db: WarehouseSession, datasetId: string): Promise<DatasetState | null> {
  const rows = await db.query(
    `SELECT dataset_id, epoch_us(last_activity_at)::VARCHAR AS last_activity_us FROM argilla_datasets
     WHERE dataset_id = $1::VARCHAR`,
    [datasetId],
  );
  const row = rows[0];
  if (!row) return null;
  const r = DatasetRow.parse(row);
  return { datasetId: r.dataset_id, lastActivityMicros: BigInt(r.last_activity_us) };
}

const ResponseRow = z.object({
  response_id: z.string(),
  argilla_record_id: z.string(),
  user_id: z.string(),
  status: z.string(),
  updated_us: z.string(),
  record_key: z.string().nullable(),
  document_id: z.string().nullable(),
  annotator: z.string().nullable(),
  current_rows: z.coerce.number(),
});

export async function readResponseStates(db: WarehouseSession, datasetId: string): Promise<Map<string, ResponseState>> {
  const rows = await db.query(
    `SELECT response_id, argilla_record_id, user_id, status, epoch_us(updated_at)::VARCHAR AS updated_us,
            record_key, document_id, annotator, current_rows
     FROM argilla_responses WHERE dataset_id = $1::VARCHAR`,
    [datasetId],
  );
  const out = new Map<string, ResponseState>();
  for (const row of rows) {
    const r = ResponseRow.parse(row);
    out.set(r.response_id, {
      responseId: r.response_id,
      argillaRecordId: r.argilla_record_id,
      userId: r.user_id,
      status: r.status,
      updatedMicros: BigInt(r.updated_us),
      recordKey: r.record_key,
      documentId: r.document_id,
      annotator: r.annotator,
      currentRows: r.current_rows,
    });
  }
  return out;
}

const CHUNK = 2000;

const STRUCTURE = JSON.stringify([
  {
    response_id: 'VARCHAR',
    argilla_record_id: 'VARCHAR',
    user_id: 'VARCHAR',
    status: 'VARCHAR',
    updated_at: 'VARCHAR',
    record_key: 'VARCHAR',
    document_id: 'VARCHAR',
    annotator: 'VARCHAR',
    current_rows: 'INTEGER',
    batch_id: 'VARCHAR',
  },
]);

/**
 * Replaces the state of `writes`, drops `removed` (deleted in Argilla) and records the dataset. Rows travel
 * as one JSON parameter per chunk. `lastActivityAt` null: the sync did not read every record (a targeted
 * sync), so the dataset's change marker stays where it was.
 */
export async function saveSyncState(
  tx: WarehouseSession,
  s: {
    readonly dataset: { readonly id: string; readonly name: string; readonly workspaceId: string };
    readonly lastActivityAt: ArgillaTime | null;
    readonly writes: readonly ResponseStateWrite[];
    readonly removed: readonly string[];
    readonly file: { readonly batchId: string; readonly key: string } | null;
    readonly now: Date;
  },
): Promise<void> {
  const id = s.dataset.id;
  const gone = [...s.removed, ...s.writes.map((w) => w.responseId)];
  for (let i = 0; i < gone.length; i += CHUNK) {
    await tx.execute(
      `DELETE FROM argilla_responses WHERE dataset_id = $1::VARCHAR
       AND response_id IN (SELECT unnest(json_transform($2::VARCHAR, '["VARCHAR"]')))`,
      [id, JSON.stringify(gone.slice(i, i + CHUNK))],
    );
  }
  for (let i = 0; i < s.writes.length; i += CHUNK) {
    const chunk = s.writes.slice(i, i + CHUNK).map((w) => ({
      response_id: w.responseId,
      argilla_record_id: w.argillaRecordId,
      user_id: w.userId,
      status: w.status,
      updated_at: w.updatedAt,
      record_key: w.recordKey,
      document_id: w.documentId,
      annotator: w.annotator,
      current_rows: w.currentRows,
      batch_id: w.batchId,
    }));
    await tx.execute(
      `INSERT INTO argilla_responses (dataset_id, response_id, argilla_record_id, user_id, status, updated_at,
         record_key, document_id, annotator, current_rows, batch_id, synced_at)
       SELECT $1::VARCHAR, r.response_id, r.argilla_record_id, r.user_id, r.status, r.updated_at::TIMESTAMPTZ,
              r.record_key, r.document_id, r.annotator, r.current_rows, r.batch_id, $3::TIMESTAMPTZ
       FROM (SELECT unnest(json_transform($2::VARCHAR, '${STRUCTURE}')) AS r)`,
      [id, JSON.stringify(chunk), s.now],
    );
  }
  if (s.lastActivityAt !== null) {
    // NOTE: cast from VARCHAR in SQL: a parameter typed TIMESTAMPTZ arrives cut to milliseconds.
    await tx.execute(
      `INSERT INTO argilla_datasets (dataset_id, name, workspace_id, last_activity_at, synced_at, last_batch_id, last_key)
       VALUES ($1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR::TIMESTAMPTZ, $5::TIMESTAMPTZ, $6::VARCHAR, $7::VARCHAR)
       ON CONFLICT (dataset_id) DO UPDATE SET name = excluded.name, workspace_id = excluded.workspace_id,
         last_activity_at = excluded.last_activity_at, synced_at = excluded.synced_at,
         last_batch_id = coalesce(excluded.last_batch_id, argilla_datasets.last_batch_id),
         last_key = coalesce(excluded.last_key, argilla_datasets.last_key)`,
      [
        id,
        s.dataset.name,
        s.dataset.workspaceId,
        s.lastActivityAt,
        s.now,
        s.file?.batchId ?? null,
        s.file?.key ?? null,
      ],
    );
  }
}
