// Parquet files written by DuckDB from a query, as bytes, for Node tests that decode or load them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeParquet } from '../../tools/local/write-parquet.ts';

/** The bytes of the Parquet file DuckDB writes from `sql` (`options`: extra COPY options). */
export async function parquetBytes(sql: string, options = ''): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'parquet-bytes-'));
  try {
    const path = join(dir, 'file.parquet');
    await writeParquet(path, sql, options);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
