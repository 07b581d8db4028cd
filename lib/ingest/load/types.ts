// What a load is asked to do and what it reports. A load puts one object into its target table, inside a
// transaction the caller owns: all rows or none.
//   remote  (remote.ts) the warehouse reads r2://bucket/key itself; the Worker never holds the file.
//   push    (push.ts) the Worker reads the object (Parquet: one row group at a time) and sends batched INSERTs.
import type { WarehouseSession } from '../../warehouse/port.ts';
import type { ObjectStore } from '../object-store.ts';
import type { FieldProfile } from '../profile.ts';
import type { FileFormat, Target } from '../routes.ts';

export type Strategy = 'push' | 'remote';

export interface LoadRequest {
  readonly target: Target;
  readonly format: FileFormat;
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  readonly loadId: string;
  readonly now: Date;
  /** The R2 event's time: orders this version against the others. */
  readonly eventTime: Date;
  /** `structured_data.source`. */
  readonly source: string;
}

export interface LoadResult {
  readonly rows: number;
  readonly batchId: string;
  readonly schemaVersion: string | null;
  /**
   * Most bytes the Worker held at once for this file: parquet-wasm's memory, the decoded row group, the
   * batch being built and the one in flight.
   */
  readonly peakBytes: number;
  /** The fields of the JSON column (metadata / data), for discovery. */
  readonly profile: readonly FieldProfile[];
  /**
   * push: milliseconds the Worker waited for the warehouse to take a batch before it could send the next
   * (the rest of the load's time is the Worker's own: reading, decoding, encoding). Measures which side
   * bounds a push load.
   */
  readonly warehouseWaitMs?: number;
}

export interface PushOptions {
  /**
   * Row groups larger than this decoded (as recorded, or as estimated from their dictionaries) are refused
   * instead of exhausting Worker memory, and so is a row group with a column of more than a quarter of it (a
   * column is decoded whole).
   */
  readonly maxRowGroupBytes: number;
  /** Rows per INSERT at most: a row group is sent in slices, keeping each batch small. */
  readonly batchRows: number;
  /**
   * Text per INSERT (characters of all its parameters), which bounds a batch of wide rows: the Worker holds
   * the batch it builds and the one in flight. Rows per batch follow the previous batch's characters per
   * row; a batch that comes out over a quarter more is built again with fewer rows.
   */
  readonly batchChars: number;
}

/** `push` for one format: returns after the rows are inserted (not committed). */
export type PushLoader = (
  tx: WarehouseSession,
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions,
) => Promise<LoadResult>;

export const DEFAULT_PUSH_OPTIONS: PushOptions = {
  maxRowGroupBytes: 32 * 1024 * 1024,
  batchRows: 32_768,
  batchChars: 4 * 1024 * 1024,
};
