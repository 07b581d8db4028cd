// `push`: the Worker reads the object and sends its rows in batched INSERTs (Parquet: push-parquet.ts, CSV:
// push-csv.ts); a reader's refusal becomes a BadFileError naming the file.
import { ParquetFormatError } from '../../parquet/footer.ts';
import type { WarehouseSession } from '../../warehouse/port.ts';
import { UnsupportedColumnError } from '../arrow-json.ts';
import { CsvError } from '../csv.ts';
import type { ObjectStore } from '../object-store.ts';
import { BadFileError } from '../plan.ts';
import { fileName } from './context.ts';
import { loadPushCsv } from './push-csv.ts';
import { loadPushParquet } from './push-parquet.ts';
import { DEFAULT_PUSH_OPTIONS, type LoadRequest, type LoadResult, type PushOptions } from './types.ts';

/** Rewords reader failures as BadFileError naming the file; anything else passes through. */
function asBadFile(error: unknown, file: string): unknown {
  if (error instanceof ParquetFormatError || error instanceof UnsupportedColumnError || error instanceof CsvError) {
    return new BadFileError(`${file}: ${error.message}`);
  }
  return error;
}

/** `push`: the Worker reads the object and sends its rows. */
export async function loadPush(
  tx: WarehouseSession,
  store: ObjectStore,
  req: LoadRequest,
  options: PushOptions = DEFAULT_PUSH_OPTIONS,
): Promise<LoadResult> {
  try {
    return req.format === 'parquet'
      ? await loadPushParquet(tx, store, req, options)
      : await loadPushCsv(tx, store, req, options);
  } catch (error) {
    throw asBadFile(error, fileName(req));
  }
}
