// Quoting helpers for the few places where SQL text must be built (identifiers, read_parquet/read_csv URLs).
import type { FileLoad } from './port.ts';

/** A double-quoted identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A single-quoted string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const R2_URL = /^r2:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\/[^\0]+$/;

/**
 * The r2:// URL with which DuckDB's readers read exactly this object. Readers expand `*`, `?` and `[...]`
 * in a path, so a key holding them (`g/*.parquet`, `file[1].parquet`) would read other objects; each is
 * wrapped in brackets, a class that matches only that character.
 */
export function r2ObjectUrl(bucket: string, key: string): string {
  return `r2://${bucket}/${key.replace(/[*?[]/g, (c) => `[${c}]`)}`;
}

/** Whether the URL names one object: no glob character outside the brackets r2ObjectUrl puts around them. */
function namesOneObject(url: string): boolean {
  return !/[*?[]/.test(url.replace(/\[[*?[]\]/g, ''));
}

/** The statement a FileLoad runs; the same text goes to MotherDuck and to the embedded warehouse. */
export function fileLoadSql(load: FileLoad): string {
  if (!R2_URL.test(load.url)) throw new Error(`not an R2 object URL: ${load.url}`);
  if (!namesOneObject(load.url)) throw new Error(`not one R2 object (a glob pattern): ${load.url}`);
  if (load.columns.length === 0 || load.columns.length !== load.select.length) {
    throw new Error('a file load needs one select expression per target column');
  }
  const url = quoteLiteral(load.url);
  const file = load.format === 'csv' ? `read_csv(${url})` : `read_parquet(${url})`;
  // CSV has no file_row_number; nor has a Parquet file with its own column of that name: a window numbers
  // the rows in file order instead.
  const windowed = load.rowNumbers && (load.format === 'csv' || load.rowNumberAlias !== undefined);
  const reader = windowed
    ? `(SELECT *, row_number() OVER () - 1 AS ${quoteIdent(load.rowNumberAlias ?? 'file_row_number')} FROM ${file})`
    : load.rowNumbers
      ? `read_parquet(${url}, file_row_number = true)`
      : file;
  return `INSERT INTO ${quoteIdent(load.table)} (${load.columns.map(quoteIdent).join(', ')}) SELECT ${load.select.join(', ')} FROM ${reader}`;
}
