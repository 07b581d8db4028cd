// `remote` for a queue batch of small Parquet files: the SQL of a batch load. One survey of every file's
// footer, one INSERT per target and schema over read_parquet([...]) with each row attributed to its file by
// `file_index`, and the bookkeeping of every file (heads, ingest_log, load_fields, supersession) as one
// multi-statement text. Files and messages are chosen in ../batch.ts.

import { quoteIdent, quoteLiteral, r2ObjectUrl } from '../../warehouse/sql.ts';
import type { IngestLogEntry } from '../ingest-log.ts';
import { type LoadContext, lineageValues, remoteLoad, withBatchLineage } from '../load-sql.ts';
import type { LoadPlan } from '../plan.ts';
import type { FieldProfile } from '../profile.ts';
import type { Target } from '../routes.ts';

/** One file of a batch load, with the lineage its rows get. */
export interface BatchFile {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
  readonly eventTime: Date;
  readonly loadId: string;
  readonly batchId: string;
  readonly schemaVersion: string | null;
  /** structured_data.source. */
  readonly source: string;
}

const text = (v: string | null): string => (v === null ? 'NULL::VARCHAR' : `${quoteLiteral(v)}::VARCHAR`);
const instant = (d: Date | null): string => (d === null ? 'NULL::TIMESTAMPTZ' : `'${d.toISOString()}'::TIMESTAMPTZ`);
const integer = (n: number | null): string => (n === null ? 'NULL' : String(Math.trunc(n)));

/** The values a batch file's rows carry, as a single load of it would give them. */
export function batchContext(f: BatchFile, now: Date): LoadContext {
  return {
    loadId: f.loadId,
    batchId: f.batchId,
    sourceKey: `r2://${f.bucket}/${f.key}`,
    schemaVersion: f.schemaVersion,
    now,
    eventTime: f.eventTime,
    source: f.source,
    sourceFile: f.key,
  };
}

/** The r2:// URL that reads exactly this object (glob characters bracketed). */
export const batchUrl = (f: Pick<BatchFile, 'bucket' | 'key'>): string => r2ObjectUrl(f.bucket, f.key);

/**
 * Per file, in one statement over the list of files: a signature of its Parquet schema (its columns'
 * descriptions, sorted: DuckDB maps the files of one read_parquet to each other by column name, so files
 * with the same signature share a DESCRIBE and an INSERT), its row count, its batch_id and schema_version
 * metadata, and the null counts its statistics give (JSON: [{path, nulls}], nulls NULL unless every row
 * group has the statistic). Rows are keyed by file_name, which is the URL, or the local path the embedded
 * warehouse reads it at: see fileOfName.
 */
export function surveySql(urls: readonly string[]): string {
  const list = `[${urls.map(quoteLiteral).join(', ')}]`;
  const column =
    'to_json(struct_pack(name, type, type_length, repetition_type, num_children, converted_type, scale, precision, logical_type))::VARCHAR';
  const kv = (key: string) => `max(decode(value)) FILTER (WHERE decode(key) = '${key}')`;
  return `WITH s AS (SELECT file_name, string_agg(${column}, '|' ORDER BY ${column}) AS signature FROM parquet_schema(${list}) GROUP BY file_name),
r AS (SELECT file_name, sum(num_rows)::VARCHAR AS rows FROM parquet_file_metadata(${list}) GROUP BY file_name),
k AS (SELECT file_name, ${kv('batch_id')} AS batch_id, ${kv('schema_version')} AS schema_version, md5(${kv('ARROW:schema')}) AS arrow FROM parquet_kv_metadata(${list}) GROUP BY file_name),
n AS (SELECT file_name, to_json(list({'path': path, 'nulls': nulls}))::VARCHAR AS stats FROM (
  SELECT file_name, path_in_schema AS path, CASE WHEN count(stats_null_count) = count(*) THEN sum(stats_null_count) END AS nulls
  FROM parquet_metadata(${list}) GROUP BY file_name, path_in_schema) GROUP BY file_name)
SELECT r.file_name, s.signature || coalesce(k.arrow, '') AS signature, r.rows, k.batch_id, k.schema_version, n.stats
FROM r LEFT JOIN s USING (file_name) LEFT JOIN k USING (file_name) LEFT JOIN n USING (file_name)`;
}

/**
 * The position in `keys` of the file a survey row names: the longest key that ends the name after a `/`
 * (an r2:// URL, or a local path that ends with the key). Keys must be unique among the files surveyed.
 */
export function fileOfName(name: string, keys: readonly string[]): number {
  let best = -1;
  keys.forEach((key, i) => {
    if (name.endsWith(`/${key}`) && (best < 0 || key.length > (keys[best] as string).length)) best = i;
  });
  return best;
}

/** The list read_parquet takes: the files in order, so that `file_index` is a file's position here. */
function fileList(files: readonly BatchFile[]): string {
  return `[${files.map((f) => quoteLiteral(batchUrl(f))).join(', ')}]`;
}

/**
 * One scan of the group's files for what statistics do not give: per file, whether each floating point
 * column is free of NaN and infinities, and the NULL count of each uncounted column.
 */
export function prescanSql(files: readonly BatchFile[], floats: readonly string[], uncounted: readonly string[]) {
  const checks = [
    ...floats.map((n, i) => `coalesce(bool_and(isfinite(${quoteIdent(n)})), true) AS f${i}`),
    ...uncounted.map((n, i) => `(count(*) - count(${quoteIdent(n)}))::VARCHAR AS n${i}`),
  ];
  return `SELECT file_index::INTEGER AS i, ${checks.join(', ')} FROM read_parquet(${fileList(files)}) GROUP BY file_index`;
}

/** Names a batch load itself gives columns; a file with a column so named loads on its own. */
export function collidesWithBatchNames(column: string): boolean {
  const lower = column.toLowerCase();
  return lower === 'file_index' || lower === 'filename' || lower === 'file_row_number' || lower.startsWith('__ls_');
}

/**
 * The INSERT of a group of files with one schema (one plan): the select list of a single-file remote
 * load, with the per-file lineage (load_id, batch_id, source_key, schema_version, and structured_data's
 * source and source_file) taken from a VALUES list joined on `file_index`. NOTE: `file_index`, not
 * `filename`: the embedded warehouse rewrites r2:// URLs to local paths, so `filename` is not the URL there.
 */
export function batchInsertSql(
  plan: LoadPlan,
  types: ReadonlyMap<string, string>,
  finite: ReadonlySet<string>,
  files: readonly BatchFile[],
  now: Date,
): string {
  const first = files[0];
  if (!first) throw new Error('a batch insert needs at least one file');
  const load = remoteLoad(plan, batchContext(first, now), batchUrl(first), 'parquet', types, finite);
  if (load.rowNumberAlias !== undefined) throw new Error('a batch load cannot number rows of a file_row_number column');
  const reader = `read_parquet(${fileList(files)}${load.rowNumbers ? ', file_row_number = true' : ''})`;
  return `INSERT INTO ${quoteIdent(plan.target)} (${load.columns.map(quoteIdent).join(', ')})
SELECT ${withBatchLineage(load.columns, load.select).join(', ')}
FROM ${reader} AS __ls_f
JOIN ${lineageValues(files.map((f) => ({ ctx: batchContext(f, now), first: 0 })))}
  ON __ls_m.__ls_i = __ls_f.file_index`;
}

/** Marks each file as its object's newest loaded event, as claimHead does for one (one object per file). */
export function claimHeadsSql(files: readonly BatchFile[]): string {
  const newer = 'excluded.event_time >= ingest_heads.event_time';
  const rows = files.map(
    (f) => `(${text(f.bucket)}, ${text(f.key)}, ${text(f.etag)}, ${instant(f.eventTime)}, ${text(f.loadId)})`,
  );
  return `INSERT INTO ingest_heads (bucket, key, etag, event_time, load_id) VALUES ${rows.join(', ')}
ON CONFLICT (bucket, key) DO UPDATE SET
  etag = CASE WHEN ${newer} THEN excluded.etag ELSE ingest_heads.etag END,
  load_id = CASE WHEN ${newer} THEN excluded.load_id ELSE ingest_heads.load_id END,
  event_time = greatest(excluded.event_time, ingest_heads.event_time)`;
}

/** What happened to each event before, and its object's newest loaded event, in one statement. */
export function priorOutcomesSql(events: readonly { bucket: string; key: string; etag: string; eventTime: Date }[]) {
  const rows = events.map(
    (e, i) => `(${i}, ${text(e.bucket)}, ${text(e.key)}, ${text(e.etag)}, ${instant(e.eventTime)})`,
  );
  return `SELECT v.i::INTEGER AS i, l.status, h.event_time AS newest, h.etag AS newest_etag
FROM (VALUES ${rows.join(', ')}) AS v(i, b, k, e, t)
LEFT JOIN ingest_log AS l ON l.bucket = v.b AND l.key = v.k AND l.etag = v.e AND l.event_time IS NOT DISTINCT FROM v.t
LEFT JOIN ingest_heads AS h ON h.bucket = v.b AND h.key = v.k
ORDER BY v.i`;
}

/** One file's bookkeeping: its ingest_log entry (status loaded) and the profile of its JSON column. */
export interface BatchRecord {
  readonly file: BatchFile;
  readonly entry: IngestLogEntry;
  readonly target: Target;
  readonly profile: readonly FieldProfile[];
  /** Whether the event has an unsettled outcome (failed, ignored, retrying) that this load replaces. */
  readonly replacesUnsettled: boolean;
  /** Whether an earlier version of the same object is loaded, whose rows this load closes. */
  readonly replacesVersion: boolean;
}

/** What makes a row the same thing as a row of another file (load-sql.ts, IDENTITY). */
const IDENTITY: Record<Target, readonly string[] | null> = {
  raw_documents: ['document_id', 'page'],
  annotations: ['record_id', 'dataset', 'annotator'],
  structured_data: null,
};

/**
 * The statements that record a committed batch of one target, as one text (one round trip): unsettled
 * outcomes of its events removed, their ingest_log rows, load_fields, and supersession. Supersession ends in
 * the state loading the files one at a time in event-time order gives (ties: in `records` order):
 *   - a new row arrives closed (valid_to = valid_from) when a later file of the batch has its identity, or
 *     a current row of an earlier load with a later event time has it;
 *   - a current row of an earlier load is closed when a file of the batch is the same object, or has its
 *     identity and an event time not earlier than its own.
 */
export function bookkeepingSql(target: Target, records: readonly BatchRecord[], now: Date): string {
  const statements: string[] = [];
  const events = records
    .filter((r) => r.replacesUnsettled)
    .map(({ entry: e }) => `(${text(e.bucket)}, ${text(e.key)}, ${text(e.etag)}, ${instant(e.eventTime)})`);
  // Only when admission saw such an outcome: a DELETE over ingest_log costs a scan of it.
  if (events.length > 0)
    statements.push(
      `DELETE FROM ingest_log WHERE status IN ('failed', 'ignored', 'retrying') AND EXISTS (SELECT 1 FROM (VALUES ${events.join(', ')}) AS v(b, k, e, t) WHERE v.b = ingest_log.bucket AND v.k = ingest_log.key AND v.e = ingest_log.etag AND v.t IS NOT DISTINCT FROM ingest_log.event_time)`,
    );
  const logs = records.map(({ entry: e }) =>
    [
      text(e.id),
      text(e.bucket),
      text(e.key),
      text(e.etag),
      text(e.action),
      text(e.target),
      text(e.strategy),
      text(e.batchId),
      text(e.schemaVersion),
      `${integer(e.rows)}::BIGINT`,
      `${integer(e.bytes)}::BIGINT`,
      text(e.status),
      text(e.error),
      text(e.errorCode),
      `${integer(e.attempts)}::INTEGER`,
      instant(e.eventTime),
      instant(e.startedAt),
      instant(e.finishedAt),
      `${Math.max(0, e.finishedAt.getTime() - e.startedAt.getTime())}::INTEGER`,
    ].join(', '),
  );
  statements.push(
    `INSERT INTO ingest_log (id, bucket, key, etag, action, target, strategy, batch_id, schema_version, rows, bytes, status, error, error_code, attempts, event_time, started_at, finished_at, duration_ms) VALUES ${logs.map((l) => `(${l})`).join(', ')}`,
  );
  if (target !== 'annotations') {
    const at = instant(now);
    // As recordLoadFields: a field with no rows in a file is no evidence of use, so it is left out.
    const fields = records.flatMap(({ file, profile }) =>
      profile
        .filter((p) => p.rows > 0)
        .map(
          (p) =>
            `(${text(file.loadId)}, ${text(target)}, ${text(target === 'raw_documents' ? 'raw_documents' : file.source)}, ${text(p.path)}, ${text(p.type)}, ${p.rows}, ${p.nulls ?? 'NULL'}, ${at})`,
        ),
    );
    if (fields.length > 0) {
      statements.push(
        `INSERT INTO load_fields (load_id, target, source, path, field_type, rows, null_count, ingested_at) VALUES ${fields.join(', ')}`,
      );
    }
  }
  statements.push(...supersedeBatchSql(target, records, now));
  return statements.map((s) => `${s};`).join('\n');
}

function supersedeBatchSql(target: Target, records: readonly BatchRecord[], now: Date): string[] {
  const files = records.map((r) => r.file);
  const t = quoteIdent(target);
  const ids = files.map((f) => text(f.loadId)).join(', ');
  const notBatch = (alias: string) => `(${alias}.load_id IS NULL OR ${alias}.load_id NOT IN (${ids}))`;
  // Only objects with an earlier loaded version have rows to close by their URL.
  const keys = records
    .filter((r) => r.replacesVersion)
    .map(({ file: f }) => text(`r2://${f.bucket}/${f.key}`))
    .join(', ');
  const sameObject =
    keys === ''
      ? []
      : [
          `UPDATE ${t} AS o SET valid_to = ${instant(now)} WHERE o.valid_to IS NULL AND ${notBatch('o')} AND o.source_key IN (${keys})`,
        ];
  const identity = IDENTITY[target];
  if (identity === null) return sameObject;
  // NOTE: the identity as a struct, compared with = and IN (hash joins); NULL fields compare equal.
  const tuple = (alias: string) =>
    `{${identity.map((c) => `${quoteLiteral(c)}: ${alias}.${quoteIdent(c)}`).join(', ')}}`;
  const lead = quoteIdent(identity[0] as string);
  const batch = `(VALUES ${files.map((f, r) => `(${text(f.loadId)}, ${r}, ${instant(f.eventTime)})`).join(', ')}) AS b(load_id, r, ev)`;
  // Two scans of the table, once for all: the batch's rows (x), and the current rows of other loads sharing
  // its first identity column (o: a plain semi-join; the column is NOT NULL). Only rows whose first column
  // two files of the batch share, or a file and such a row, can supersede or be superseded: they are kept in
  // a temporary table (new: the batch's, with the file's rank and event time; old: the others', with their
  // load's event time), usually a few rows. The UPDATEs join it, and skip their scan when they find nothing.
  const s = 'ls_supersede';
  const candidates = `CREATE OR REPLACE TEMP TABLE ${s} AS
WITH x AS MATERIALIZED (SELECT x.load_id, x.${lead} AS lead, ${tuple('x')} AS ident, b.r, b.ev FROM ${t} AS x JOIN ${batch} ON x.load_id = b.load_id WHERE x.load_id IN (${ids})),
o AS MATERIALIZED (SELECT o.load_id, o.${lead} AS lead, ${tuple('o')} AS ident, l.event_time AS ev FROM ${t} AS o LEFT JOIN ingest_log AS l ON l.id = o.load_id
  WHERE o.valid_to IS NULL AND ${notBatch('o')} AND o.${lead} IN (SELECT lead FROM x)),
hot AS (SELECT lead FROM x GROUP BY lead HAVING count(DISTINCT load_id) > 1 UNION SELECT lead FROM o)
SELECT DISTINCT true AS new, load_id, ident, r, ev FROM x WHERE lead IN (SELECT lead FROM hot)
UNION ALL SELECT DISTINCT false AS new, load_id, ident, NULL::INTEGER AS r, ev FROM o WHERE ident IN (SELECT ident FROM x)`;
  const arriveClosed = `UPDATE ${t} AS n SET valid_to = n.valid_from FROM (
  WITH k AS (SELECT load_id, ident, r, ev FROM ${s} WHERE new),
  top AS (SELECT ident, max(r) AS r FROM k GROUP BY ident),
  old AS (SELECT ident, max(ev) AS ev FROM ${s} WHERE NOT new GROUP BY ident)
  SELECT k.load_id, k.ident FROM k JOIN top ON top.ident = k.ident LEFT JOIN old ON old.ident = k.ident
  WHERE k.r < top.r OR old.ev > k.ev
) AS c WHERE n.load_id = c.load_id AND ${tuple('n')} = c.ident AND n.valid_to IS NULL`;
  // A row whose load has no ingest_log row or no event time is closed, as a NOT EXISTS of a later one has it.
  const closeOlder = `UPDATE ${t} AS o SET valid_to = ${instant(now)} FROM (
  SELECT DISTINCT old.load_id, old.ident FROM ${s} AS old JOIN (SELECT ident, max(ev) AS ev FROM ${s} WHERE new GROUP BY ident) AS m ON m.ident = old.ident
  WHERE NOT old.new AND (old.ev IS NULL OR old.ev <= m.ev)
) AS c WHERE o.valid_to IS NULL AND o.load_id IS NOT DISTINCT FROM c.load_id AND ${tuple('o')} = c.ident`;
  return [candidates, arriveClosed, closeOlder, ...sameObject, `DROP TABLE ${s}`];
}
