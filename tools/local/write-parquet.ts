// Writes the result of a DuckDB query to a Parquet file with DuckDB itself (Node only): benches and tests
// make their input files this way.
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteLiteral } from '../../lib/warehouse/sql.ts';

/** `options` are extra COPY options, e.g. "ROW_GROUP_SIZE 10000". */
export async function writeParquet(path: string, sql: string, options = ''): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(`COPY (${sql}) TO ${quoteLiteral(path)} (FORMAT parquet${options ? `, ${options}` : ''})`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
