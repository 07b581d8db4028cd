// Parquet and CSV files the ingestion tests load, written by DuckDB itself in the global setup.
import { VESSEL_ANNOTATIONS, VESSEL_REGISTRY } from './discovery-fixtures.ts';
import type { TestFile } from './node-loads.ts';

/** name -> the DuckDB query whose result is written, or raw text for CSV. */
export const FIXTURE_FILES: Readonly<
  Record<string, { readonly sql: string; readonly options?: string } | { readonly text: string }>
> = {
  'annotations-v1.parquet': {
    sql: `SELECT * FROM (VALUES
      ('r1', 'doc-1', 'VESSEL_NAME', 0, 10, 'Ever Given', 'alice', 'submitted', TIMESTAMPTZ '2026-11-20 09:00:00+00', 'vessels', 0.9),
      ('r1', 'doc-1', 'IMO_NUMBER', 15, 22, '9811000', 'alice', 'submitted', TIMESTAMPTZ '2026-11-20 09:00:00+00', 'vessels', 0.8),
      ('r2', 'doc-2', 'FLAG_STATE', 3, 9, 'Panama', 'bob', 'draft', TIMESTAMPTZ '2026-11-20 10:00:00+00', 'vessels', 0.7)
    ) t(record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset, confidence)`,
    options: `KV_METADATA {schema_version: '1', batch_id: 'argilla-sync-1'}`,
  },
  'annotations-v2.parquet': {
    sql: `SELECT * FROM (VALUES
      ('r1', 'doc-1', 'VESSEL_NAME', 0, 10, 'Ever Given', 'alice', 'submitted', TIMESTAMPTZ '2026-11-21 09:00:00+00', 'vessels'),
      ('r1', 'doc-1', 'PORT', 30, 39, 'Rotterdam', 'alice', 'submitted', TIMESTAMPTZ '2026-11-21 09:00:00+00', 'vessels')
    ) t(record_id, document_id, entity_type, "start", "end", text, annotator, status, annotated_at, dataset)`,
    options: `KV_METADATA {schema_version: '1', batch_id: 'argilla-sync-2'}`,
  },
  'annotations-minimal.parquet': {
    sql: `SELECT 'r9' AS record_id, 'doc-9' AS document_id, 'PORT' AS entity_type, 1 AS "start", 4 AS "end", 'Oslo' AS text`,
  },
  'annotations-missing-text.parquet': {
    sql: `SELECT 'r1' AS record_id, 'doc-1' AS document_id, 'PORT' AS entity_type, 1 AS "start", 5 AS "end"`,
  },
  'annotations-bad-type.parquet': {
    sql: `SELECT 'r1' AS record_id, 'doc-1' AS document_id, 'PORT' AS entity_type, 'one' AS "start", 5 AS "end", 'Oslo' AS text`,
  },
  'annotations-decimal-start.parquet': {
    sql: `SELECT 'r1' AS record_id, 'doc-1' AS document_id, 'PORT' AS entity_type, 1.5::DECIMAL(2, 1) AS "start", 5 AS "end", 'Oslo' AS text`,
  },
  'annotations-bad-status.parquet': {
    sql: `SELECT 'r1' AS record_id, 'doc-1' AS document_id, 'PORT' AS entity_type, 1 AS "start", 5 AS "end", 'Oslo' AS text, 'approved' AS status`,
  },
  // Columns named in another ASCII case, NULLs where a default applies, and infinite times.
  'annotations-cased.parquet': {
    sql: `SELECT * FROM (VALUES
      ('case-1', 'doc-7', 'PORT', 1, 5, 'Oslo', NULL, NULL::TIMESTAMP),
      ('case-2', 'doc-7', 'PORT', 6, 12, 'Bergen', 'draft', TIMESTAMP 'infinity'),
      ('case-3', 'doc-7', 'PORT', 13, 19, 'Tromsø', NULL, TIMESTAMP '2026-11-20 08:00:00')
    ) t("Record_ID", document_id, "ENTITY_TYPE", "Start", "end", "Text", "Status", "Annotated_At")`,
  },
  'annotations-days.parquet': {
    sql: `SELECT 'case-0' AS record_id, 'doc-6' AS document_id, 'PORT' AS entity_type, 1 AS "start", 5 AS "end",
            'Oslo' AS text, DATE '-infinity' AS annotated_at`,
  },
  'documents-v1.parquet': {
    sql: `SELECT 'doc-' || (i // 2) AS document_id, (i % 2 + 1)::SMALLINT AS page, 'page text ' || i AS text, 0.5 + i / 100 AS ocr_confidence,
            'en' AS language, {'dpi': 300, 'scanner': 'A'} AS scan FROM range(6) t(i)`,
  },
  'documents-v2.parquet': {
    sql: `SELECT 'doc-0' AS document_id, 1 AS page, 'page text, re-OCRed' AS text`,
  },
  'structured-types.parquet': {
    sql: `SELECT i AS id, ((i * 1000000007)::HUGEINT * 170141183460469231)::DECIMAL(38, 0) AS huge, 9007199254740993 + i AS big,
            (i / 7)::DECIMAL(38, 10) AS dec, i / 3 AS dbl, (i * 0.5)::FLOAT AS flt,
            TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(i * 1001) AS ts_tz, TIMESTAMP '2026-01-01 00:00:00' + to_milliseconds(i) AS ts,
            DATE '2026-01-01' + i::INTEGER AS day, ('\\x00\\xFF' || chr((65 + i % 26)::INTEGER))::BLOB AS bin,
            [i, NULL, i + 1] AS list, {'a': i, 'b': 'x' || i, 'c': [1.5, NULL]} AS obj, MAP {'k' || (i % 3): i} AS m,
            CASE WHEN i % 5 = 0 THEN NULL ELSE 'v' || i END AS maybe, i % 2 = 0 AS flag,
            CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN 'NaN'::DOUBLE WHEN 2 THEN '-Infinity'::DOUBLE ELSE 2.5 END AS special
          FROM range(5000) t(i)`,
    options: 'ROW_GROUP_SIZE 1024',
  },
  // The discovery scenario (test/support/discovery-fixtures.ts).
  'discovery/vessels-1.parquet': { sql: VESSEL_ANNOTATIONS.sql },
  'discovery/registry-1.parquet': { sql: (VESSEL_REGISTRY[0] as TestFile).sql },
  'discovery/registry-2.parquet': { sql: (VESSEL_REGISTRY[1] as TestFile).sql },
  // Text the push transport splits on (0x1E between values, 0x1F alone for NULL) must survive as text.
  'separators.parquet': {
    sql: `SELECT i AS id,
            CASE i % 6 WHEN 0 THEN 'a' || chr(30) || 'b' WHEN 1 THEN chr(31) WHEN 2 THEN '' WHEN 3 THEN NULL
              WHEN 4 THEN 'it''s \\ "quoted" ⚓ 🚢' ELSE chr(31) || chr(30) END AS marked,
            CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN '' ELSE 'ok ' || i END AS plain,
            NULL::VARCHAR AS nothing,
            CASE WHEN i % 4 = 0 THEN NULL ELSE i * 1.5 END AS num,
            CASE WHEN i % 3 = 0 THEN -0.0::DOUBLE ELSE i / 2 END AS dbl,
            CASE WHEN i % 2 = 0 THEN NULL ELSE [chr(30), chr(31)] END AS list
          FROM range(12) t(i)`,
  },
  // Nested values push sends as JSON text: decimals keep their scale and digits, a whole double stays a
  // double, UUID and JSON stay themselves, timestamps keep their precision and era.
  'nested-types.parquet': {
    sql: `SELECT i AS id,
            [1.50::DECIMAL(4, 2), NULL, -0.05] AS decimals,
            {'a': 12345678901234567890.12::DECIMAL(22, 2) + i, 'b': 1.5::DECIMAL(9, 3)} AS money,
            MAP {'k': 0.10::DECIMAL(18, 2)} AS priced,
            [1.0::DOUBLE * i, 1e16, 'NaN'::DOUBLE, '-0.0'::DOUBLE] AS doubles, {'x': 3.0::DOUBLE, 'f': 2.0::FLOAT} AS floats,
            ['550e8400-e29b-41d4-a716-446655440000'::UUID] AS ids, ['{"x": [1.50]}'::JSON] AS docs,
            [TIMESTAMP_NS '2023-11-14 22:13:20.123456789', TIMESTAMP_NS '1969-12-31 23:59:59.999999998'] AS stamps_ns,
            [TIMESTAMP '0045-03-15 (BC) 12:00:00'] AS ancient,
            [TIMESTAMPTZ '2024-02-29 13:45:00.5+00', TIMESTAMPTZ 'infinity'] AS instants,
            [TIME '24:00:00', TIME '12:00:00.25'] AS times, MAP {DATE '2024-01-01': 1, DATE '0001-01-01': 2} AS by_day,
            [99999999999999999999999999999999999999::DECIMAL(38, 0), -5::DECIMAL(38, 0)] AS huge,
            TIME '24:00:00' AS midnight, TIME_NS '12:00:00.123456789' AS fine_time, TIMETZ '12:00:00+02' AS zoned,
            [TIMETZ '23:30:00-01'] AS zoned_list,
            CASE i WHEN 0 THEN TIMESTAMP 'infinity' WHEN 1 THEN TIMESTAMP '-infinity' ELSE TIMESTAMP '2026-01-01 00:00:00' END AS open_end,
            CASE i WHEN 0 THEN TIMESTAMPTZ '-infinity' ELSE TIMESTAMPTZ '2026-01-01 00:00:00+00' END AS open_start,
            CASE i WHEN 0 THEN DATE 'infinity' ELSE DATE '2026-01-01' END AS open_day,
            CASE i WHEN 0 THEN TIMESTAMP_MS 'infinity' ELSE TIMESTAMP_MS '2026-01-01 00:00:00.123' END AS open_ms,
            CASE i WHEN 0 THEN TIMESTAMP_NS '-infinity' ELSE TIMESTAMP_NS '2026-01-01 00:00:00.123456789' END AS open_ns,
            ['infinity'::DATE, '-infinity'::DATE, DATE '2026-01-01'] AS open_days,
            [TIMESTAMP_MS 'infinity', TIMESTAMP_MS '2026-01-01 00:00:00.5'] AS open_ms_list
          FROM range(3) t(i)`,
  },
  // INTERVAL: parquet-wasm's C data interface export does not take it, so push decodes through IPC.
  'interval.parquet': {
    sql: `SELECT i AS id, INTERVAL 1 DAY * i + INTERVAL 90 MINUTE AS waited, 'x' || i AS label FROM range(4) t(i)`,
  },
  'separators.csv': {
    text: `id,marked,plain\n1,a\x1eb,x\n2,\x1f,\n3,,"y, z"\n`,
  },
  'manifest.csv': {
    text: 'vessel,imo,tonnage,built,inspected_at,active\nEver Given,9811000,220940.5,2018-09-25,2026-11-20 10:00:00,true\n"Maersk, Mc-Kinney Møller",9619907,194849,2013-06-14,,false\n',
  },
};

export function isCsv(name: string): boolean {
  return name.endsWith('.csv');
}
