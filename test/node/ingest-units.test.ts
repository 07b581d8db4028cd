import { DuckDBInstance } from '@duckdb/node-api';
import { type Data, Field, Float64, Int32, LargeUtf8, makeVector, Utf8, vectorFromArray } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryDelaySeconds } from '../../lib/core/backoff.ts';
import { AppError } from '../../lib/errors.ts';
import { bearerMatches } from '../../lib/http/auth.ts';
import {
  classifyLoadError,
  isDataError,
  type LoadErrorContext,
  type LoadErrorOutcome,
} from '../../lib/ingest/classify-error.ts';
import { type IngestDeps, ingestBatch, type Verdict } from '../../lib/ingest/consumer.ts';
import { CsvParser, fits, fitsSql, inferType, sniffDelimiter } from '../../lib/ingest/csv.ts';
import { normaliseSql, parseDuckType, rowJsonSql } from '../../lib/ingest/duck-types.ts';
import { R2Event } from '../../lib/ingest/event.ts';
import { dateText, decimalText, timestampText } from '../../lib/ingest/json-text.ts';
import { loadPush } from '../../lib/ingest/load/push.ts';
import { DEFAULT_PUSH_OPTIONS, type LoadRequest } from '../../lib/ingest/load/types.ts';
import { supersede } from '../../lib/ingest/load-sql.ts';
import { ObjectChangedError, type ObjectStore } from '../../lib/ingest/object-store.ts';
import { BadFileError, planLoad } from '../../lib/ingest/plan.ts';
import { formatOf, parseRoutes, routeFor, sourceOf } from '../../lib/ingest/routes.ts';
import { type TransportColumn, transportColumn } from '../../lib/ingest/transport.ts';
import type { SqlParam, WarehouseSession } from '../../lib/warehouse/port.ts';
import { asWarehouseError } from '../../lib/warehouse/postgres.ts';
import { fileLoadSql, r2ObjectUrl } from '../../lib/warehouse/sql.ts';
import { rewriteFileLiterals } from '../../tools/embedded-warehouse/sql-text.ts';
import { parquetBytes } from '../support/parquet-bytes.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';

function csvField(s: string): string {
  return /[",\n\r]/.test(s) || s === '' ? `"${s.replaceAll('"', '""')}"` : s;
}

describe('CSV', () => {
  it('parses what a CSV writer writes, however the text is split into chunks', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', 'x') });
    fc.assert(
      fc.property(
        fc.array(fc.array(field, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 7 }),
        (rows, size) => {
          const text = `h1,h2\n${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
          const parser = new CsvParser(',');
          const out: string[][] = [];
          for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
          out.push(...parser.end());
          expect(out).toEqual([['h1', 'h2'], ...rows]);
        },
      ),
    );
  });

  it('sniffs the delimiter from the header', () => {
    expect(sniffDelimiter('a;b;c')).toBe(';');
    expect(sniffDelimiter('a\tb')).toBe('\t');
    expect(sniffDelimiter('"x;y",b,c')).toBe(',');
  });

  it('infers the narrowest type every sampled value fits, empty values being NULL', () => {
    expect(inferType(['1', '-2', ''])).toBe('BIGINT');
    expect(inferType(['1', '2.5'])).toBe('DOUBLE');
    expect(inferType(['9223372036854775808'])).toBe('DOUBLE');
    expect(inferType(['TRUE', 'false'])).toBe('BOOLEAN');
    expect(inferType(['2024-02-29', '2024-01-01'])).toBe('DATE');
    expect(inferType(['2023-02-29'])).toBe('VARCHAR');
    expect(inferType(['2024-01-01 10:00:00', '2024-01-01T10:00:00.5'])).toBe('TIMESTAMP');
    expect(inferType(['', ''])).toBe('VARCHAR');
    // As DuckDB's sniffer: leading zeros and a plus sign keep codes as text.
    expect(['0012345', '007.5', '+5', '00'].map((v) => inferType([v]))).toEqual([
      'VARCHAR',
      'VARCHAR',
      'VARCHAR',
      'VARCHAR',
    ]);
    expect(['0', '-0', '-12'].map((v) => inferType([v]))).toEqual(['BIGINT', 'BIGINT', 'BIGINT']);
    expect(['0.5', '.5', '1e2', '-0.0'].map((v) => inferType([v]))).toEqual(['DOUBLE', 'DOUBLE', 'DOUBLE', 'DOUBLE']);
  });

  it('lets the warehouse cast exactly the values fits() accepts, and keep the rest as text', async () => {
    const values = [
      '12.5',
      'yes',
      '1_000',
      '1e2',
      ' 7',
      '7 ',
      '007',
      '+5',
      '-3',
      '0',
      'true',
      'TRUE',
      't',
      '1',
      '2024-02-29',
      '2023-02-29',
      '2024-1-1',
      '2024-01-01 10:00:00',
      '2024-01-01T10:00:00.123456',
      '2024-01-01 10:00',
      '9223372036854775807',
      '9223372036854775808',
      '.5',
      '5.',
      'NaN',
      'inf',
      '1e999',
      '',
    ];
    const types = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP'] as const;
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const reader = await conn.runAndReadAll(
      `SELECT v, ${types.map((t, i) => `coalesce(${fitsSql('v', t)}, false) AS f${i}`).join(', ')}
       FROM unnest(${`[${values.map((v) => `'${v}'`).join(', ')}]`}) AS t(v)`,
    );
    const disagreements = reader
      .getRowObjects()
      .flatMap((row) =>
        types.flatMap((t, i) =>
          row[`f${i}`] === fits(t, row.v as string) ? [] : [`${t} '${row.v}': sql ${row[`f${i}`]}`],
        ),
      );
    conn.closeSync();
    instance.closeSync();
    expect(disagreements).toEqual([]);
  });

  it('refuses an unterminated quote', () => {
    const parser = new CsvParser(',');
    parser.push('a,"b');
    expect(() => parser.end()).toThrow(/unterminated quoted field/);
  });
});

describe('canonical JSON text', () => {
  it('writes decimals with their scale and every digit', () => {
    expect(decimalText(150n, 2)).toBe('1.50');
    expect(decimalText(-5n, 2)).toBe('-0.05');
    expect(decimalText(12345678901234567890123n, 2)).toBe('123456789012345678901.23');
    expect(decimalText(7n, 0)).toBe('7');
  });

  it('writes dates and timestamps exactly as DuckDB prints them (DuckDB is the oracle), with a T', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: -3_000_000, max: 20_000_000 }),
          fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n }),
          async (days, micros) => {
            const rows = (
              await conn.runAndReadAll(
                `SELECT CAST(DATE '1970-01-01' + ${days} AS VARCHAR), replace(CAST(make_timestamp(${micros}::BIGINT) AS VARCHAR), ' ', 'T')`,
              )
            ).getRows()[0] as string[];
            expect(dateText(days)).toBe(rows[0]);
            expect(timestampText(micros, 'us', false)).toBe(rows[1]);
          },
        ),
        { numRuns: 300 },
      );
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    expect(timestampText(-1n, 'ms', true)).toBe('1969-12-31T23:59:59.999Z');
  });

  it('normalises only what DuckDB’s to_json would not write canonically', () => {
    const n = (type: string, finite = false) => normaliseSql('x', parseDuckType(type), { finite });
    expect(n('INTEGER')).toBe('x');
    expect(n('VARCHAR[]')).toBe('x');
    expect(n('DOUBLE', true)).toBe('x');
    expect(n('DECIMAL(4,2)')).toBe('CAST((x) AS DECIMAL(38, 2))');
    expect(n('TIMESTAMP')).toBe("replace(CAST((x) AS VARCHAR), ' ', 'T')");
    expect(n('BLOB')).toBe('to_base64((x))');
    expect(n('DOUBLE')).toMatch(/^CASE WHEN \(x\) IS NULL THEN NULL WHEN isfinite\(\(x\)\) THEN to_json\(\(x\)\)/);
    expect(n('STRUCT(a INTEGER, "b c" TIMESTAMP)')).toBe(
      `CASE WHEN (x) IS NULL THEN NULL ELSE struct_pack("a" := struct_extract((x), 'a'), "b c" := replace(CAST((struct_extract((x), 'b c')) AS VARCHAR), ' ', 'T')) END`,
    );
    expect(rowJsonSql([{ key: 'a"b', expr: 'x' }])).toBe('to_json(struct_pack("a""b" := x))');
  });

  it('parses the DuckDB types DESCRIBE prints', () => {
    expect(parseDuckType('MAP(VARCHAR, MAP(INTEGER, BOOLEAN))')).toEqual({
      kind: 'map',
      key: { kind: 'scalar', name: 'VARCHAR' },
      value: { kind: 'map', key: { kind: 'scalar', name: 'INTEGER' }, value: { kind: 'scalar', name: 'BOOLEAN' } },
    });
    expect(parseDuckType('STRUCT(phone STRUCT(number BIGINT, kind VARCHAR)[])')).toMatchObject({
      kind: 'struct',
      fields: [{ name: 'phone', type: { kind: 'list' } }],
    });
    expect(parseDuckType('TIMESTAMP WITH TIME ZONE')).toEqual({ kind: 'scalar', name: 'TIMESTAMP WITH TIME ZONE' });
    expect(parseDuckType('INTEGER[3]')).toEqual({ kind: 'list', element: { kind: 'scalar', name: 'INTEGER' } });
    expect(() => parseDuckType('STRUCT(a INTEGER')).toThrow(/expected/);
  });
});

describe('routing and events', () => {
  const routes = parseRoutes(
    JSON.stringify([
      { bucket: 'vessel-csv', target: 'structured_data' },
      { bucket: 'vessel-csv', prefix: 'ocr/', target: 'raw_documents', binding: 'CSV_BUCKET' },
    ]),
  );

  it('routes by bucket, the longest matching key prefix winning', () => {
    expect(routeFor(routes, 'vessel-csv', 'ocr/a.parquet')?.target).toBe('raw_documents');
    expect(routeFor(routes, 'vessel-csv', 'manifests/a.parquet')?.target).toBe('structured_data');
    expect(routeFor(routes, 'other', 'a.parquet')).toBeNull();
  });

  it('keeps the R2 binding a route names, which the main Worker reads the bucket through', () => {
    expect(routes.map((r) => r.binding)).toEqual([undefined, 'CSV_BUCKET']);
    expect(() => parseRoutes('[{"bucket":"b","target":"annotations","binding":""}]')).toThrow(/binding/);
  });

  it('refuses a bad INGEST_ROUTES with the reason', () => {
    expect(() => parseRoutes('[{"bucket":"b","target":"nowhere"}]')).toThrow(/INGEST_ROUTES is invalid: .*target/s);
    expect(() => parseRoutes('nope')).toThrow(/not valid JSON/);
  });

  it('knows formats and dataset names from keys', () => {
    expect(formatOf('a/B.PARQUET')).toBe('parquet');
    expect(formatOf('x.csv')).toBe('csv');
    expect(formatOf('x.json')).toBeNull();
    expect(sourceOf('manifests/2026/x.parquet')).toBe('manifests');
    expect(sourceOf('vessel_list.csv')).toBe('vessel_list');
  });

  it('accepts R2 notifications exactly as R2 sends them', () => {
    const put = {
      account: 'a',
      action: 'CopyObject',
      bucket: 'b',
      object: { key: 'k', size: 3, eTag: 'e' },
      eventTime: '2026-11-21T12:00:00.000Z',
      copySource: { bucket: 'b', object: 'old' },
    };
    expect(R2Event.safeParse(put).success).toBe(true);
    expect(R2Event.safeParse({ ...put, action: 'Explode' }).success).toBe(false);
    expect(R2Event.safeParse({ ...put, eventTime: 'yesterday' }).success).toBe(false);
  });

  it('backs off exponentially and caps at 15 minutes', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(retryDelaySeconds)).toEqual([10, 20, 40, 80, 640, 900, 900]);
  });

  it('names exactly one object in the SQL, whatever glob characters its key holds', () => {
    const url = r2ObjectUrl('vessel-csv', 'g/*[1]?.parquet');
    expect(url).toBe('r2://vessel-csv/g/[*][[]1][?].parquet');
    const load = { table: 't', columns: ['a'], select: ['a'] };
    expect(fileLoadSql({ ...load, url })).toContain(`read_parquet('r2://vessel-csv/g/[*][[]1][?].parquet')`);
    expect(() => fileLoadSql({ ...load, url: 'r2://vessel-csv/g/*.parquet' })).toThrow(/glob pattern/);
    expect(() => fileLoadSql({ ...load, url: 'r2://vessel-csv/g/[*]/[a-z].parquet' })).toThrow(/glob pattern/);
  });

  it('rejects a file at once only for errors about its data; the warehouse’s own trouble is retried', () => {
    const data = ['22P02', '22003', '22023', '23502', '23514', '0A000'];
    const state = ['23505', '40001', '58030', '53200', '42P01', '42703', 'XX000', '08006', undefined];
    expect(data.filter(isDataError)).toEqual(data);
    expect(state.filter(isDataError)).toEqual([]);
  });
});

describe('classifyLoadError', () => {
  /** A server error as postgres.js reports it, mapped as the warehouse adapter maps it. */
  const pg = (code: string, message: string) =>
    asWarehouseError(Object.assign(new Error(message), { severity: 'ERROR', code })) as AppError;
  const file = 'vessel-csv/m/a.parquet';
  const changed = 'the object changed while it was being read; the newer version loads on its own event';
  const ioError = 'IO Error: could not read r2://vessel-csv/m/a.parquet';
  const cases: { name: string; error: unknown; facts?: Partial<LoadErrorContext>; expected: LoadErrorOutcome }[] = [
    {
      name: 'an object replaced while it was read (ObjectChangedError): ignored',
      error: new ObjectChangedError(`${file} changed`),
      expected: { kind: 'object_changed', reason: changed },
    },
    {
      name: 'a file a reader refused (BadFileError): a bad file, as worded',
      error: new BadFileError(`${file}: not a Parquet file`),
      expected: { kind: 'bad_file', error: `${file}: not a Parquet file`, code: 'bad_file' },
    },
    {
      name: 'a warehouse that cannot be reached: transient',
      error: asWarehouseError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ),
      expected: { kind: 'transient' },
    },
    {
      name: 'a statement that timed out: transient',
      error: new AppError('warehouse_unavailable', 'warehouse statement timed out after 120000 ms'),
      expected: { kind: 'transient' },
    },
    {
      name: 'an auth failure (28P01, a wrong token): transient, fixing the secret fixes the queue',
      error: pg('28P01', 'password authentication failed for user "postgres"'),
      expected: { kind: 'transient' },
    },
    {
      name: 'a serialization conflict (40001) from the warehouse: transient',
      error: pg('40001', 'TransactionContext Error: Catalog write-write conflict'),
      expected: { kind: 'transient' },
    },
    {
      name: 'a unique violation (23505): another load of the object committed first',
      error: pg('23505', 'Constraint Error: Duplicate key "bucket: vessel-csv"'),
      expected: { kind: 'concurrent_load', detail: 'another load of this object was committed at the same time' },
    },
    {
      name: 'a serialization conflict (40001) not marked retryable: another load committed first',
      error: new AppError('warehouse_query', 'write-write conflict', { sqlstate: '40001' }),
      expected: { kind: 'concurrent_load', detail: 'another load of this object was committed at the same time' },
    },
    {
      name: 'a value that does not convert (22003): a bad file, without the statement excerpt',
      error: pg(
        '22003',
        'Conversion Error: Type INT64 with value 3000000000 can\'t be cast\n\nLINE 1: INSERT INTO "annotations" ...',
      ),
      expected: {
        kind: 'bad_file',
        error: `${file}: the warehouse refused the data: Conversion Error: Type INT64 with value 3000000000 can't be cast`,
        code: '22003',
      },
    },
    {
      name: 'a NOT NULL violation (23502): a bad file',
      error: pg('23502', 'Constraint Error: NOT NULL constraint failed: raw_documents.page'),
      expected: {
        kind: 'bad_file',
        error: `${file}: the warehouse refused the data: Constraint Error: NOT NULL constraint failed: raw_documents.page`,
        code: '23502',
      },
    },
    {
      name: 'a feature the warehouse does not have (0A000): a bad file',
      error: pg('0A000', 'Not implemented Error: Unsupported compression codec "LZ4"'),
      expected: {
        kind: 'bad_file',
        error: `${file}: the warehouse refused the data: Not implemented Error: Unsupported compression codec "LZ4"`,
        code: '0A000',
      },
    },
    {
      name: 'a warehouse error about something else (XX000): first, the object’s head now',
      error: pg('XX000', 'INTERNAL Error: something broke'),
      expected: { kind: 'ask', fact: 'headNow' },
    },
    {
      name: 'a warehouse error about something else, the object deleted since: ignored',
      error: pg('XX000', 'INTERNAL Error: something broke'),
      facts: { headNow: null },
      expected: { kind: 'object_gone', reason: 'the object no longer exists (deleted while it was being loaded)' },
    },
    {
      name: 'a warehouse error about something else, the object replaced since: ignored',
      error: pg('XX000', 'INTERNAL Error: something broke'),
      facts: { headNow: { etag: 'e2', size: 10 } },
      expected: { kind: 'object_changed', reason: changed },
    },
    {
      name: 'a table missing before a migration (42P01), the same object (its eTag quoted): retried',
      error: pg('42P01', 'Catalog Error: Table with name annotations does not exist!\nLINE 1: INSERT INTO ...'),
      facts: { headNow: { etag: '"e1"', size: 10 } },
      expected: {
        kind: 'warehouse_failed',
        detail: `${file}: the warehouse could not load it: Catalog Error: Table with name annotations does not exist!`,
        sqlstate: '42P01',
        message: 'Catalog Error: Table with name annotations does not exist!\nLINE 1: INSERT INTO ...',
      },
    },
    {
      name: 'an I/O error (58030) under remote, the same object: then, whether the warehouse reaches it',
      error: pg('58030', ioError),
      facts: { headNow: { etag: 'e1', size: 10 } },
      expected: { kind: 'ask', fact: 'reachable' },
    },
    {
      name: 'an I/O error under remote on an object the warehouse reaches at its size: a bad file',
      error: pg('58030', ioError),
      facts: { headNow: { etag: 'e1', size: 10 }, reachable: true },
      expected: {
        kind: 'bad_file',
        error: `${file}: the warehouse reads the object but cannot load it: ${ioError}`,
        code: '58030',
      },
    },
    {
      name: 'an I/O error under remote on an object the warehouse does not reach: retried',
      error: pg('58030', ioError),
      facts: { headNow: { etag: 'e1', size: 10 }, reachable: false },
      expected: {
        kind: 'warehouse_failed',
        detail: `${file}: the warehouse could not load it: ${ioError}`,
        sqlstate: '58030',
        message: ioError,
      },
    },
    {
      name: 'an I/O error under push: retried, without asking whether the warehouse reaches the object',
      error: pg('58030', ioError),
      facts: { strategy: 'push', headNow: { etag: 'e1', size: 10 } },
      expected: {
        kind: 'warehouse_failed',
        detail: `${file}: the warehouse could not load it: ${ioError}`,
        sqlstate: '58030',
        message: ioError,
      },
    },
    {
      name: 'an application error that is not the warehouse’s: unknown',
      error: new AppError('internal', 'a push batch of 3 rows inserted 2'),
      expected: { kind: 'unknown' },
    },
    {
      name: 'a plain Error (a bug): unknown',
      error: new Error('a push batch of 3 rows inserted 2'),
      expected: { kind: 'unknown' },
    },
    { name: 'something thrown that is not an Error: unknown', error: 'boom', expected: { kind: 'unknown' } },
  ];

  it.each(cases)('$name', ({ error, facts, expected }) => {
    const context: LoadErrorContext = { file, etag: 'e1', strategy: 'remote', ...facts };
    expect(classifyLoadError(error, context)).toEqual(expected);
  });
});

describe('superseding', () => {
  it('closes an earlier response to the same record by the same annotator, NULLs matching NULLs', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await conn.run(`CREATE TABLE annotations (record_id VARCHAR, dataset VARCHAR, annotator VARCHAR, source_key VARCHAR,
      load_id VARCHAR, valid_from TIMESTAMPTZ, valid_to TIMESTAMPTZ)`);
    await conn.run(`CREATE TABLE ingest_log (id VARCHAR, event_time TIMESTAMPTZ)`);
    await conn.run(
      `INSERT INTO ingest_log VALUES ('old', '2026-11-21 10:00:00+00'), ('later', '2026-11-21 12:00:00+00')`,
    );
    await conn.run(`INSERT INTO annotations VALUES
      ('r1', NULL, NULL, 'r2://a/old', 'old', '2026-11-21 10:00:00+00', NULL),
      ('r1', NULL, 'bob', 'r2://a/old', 'old', '2026-11-21 10:00:00+00', NULL),
      ('r2', 'ds', NULL, 'r2://a/later', 'later', '2026-11-21 12:00:00+00', NULL),
      ('r1', NULL, NULL, 'r2://a/new', 'new', '2026-11-21 13:00:00+00', NULL),
      ('r2', 'ds', NULL, 'r2://a/new', 'new', '2026-11-21 13:00:00+00', NULL)`);
    const ctx = {
      loadId: 'new',
      batchId: 'b',
      sourceKey: 'r2://a/new',
      schemaVersion: null,
      now: new Date('2026-11-21T13:00:00Z'),
      eventTime: new Date('2026-11-21T11:00:00Z'),
      source: 'a',
      sourceFile: 'new',
    };
    for (const s of supersede('annotations', ctx, true)) await conn.run(s.sql);
    const rows = await conn.runAndReadAll(
      `SELECT record_id, annotator, load_id, valid_to IS NULL AS current, valid_to = valid_from AS never FROM annotations ORDER BY load_id, record_id, annotator`,
    );
    expect(rows.getRowObjects()).toEqual([
      { record_id: 'r2', annotator: null, load_id: 'later', current: true, never: null },
      // r1 by NULL from 'new' replaces r1 by NULL from 'old'; bob's response is another one.
      { record_id: 'r1', annotator: null, load_id: 'new', current: true, never: null },
      // r2 from 'new' (event 11:00) came after 'later' (12:00) had loaded it: never current.
      { record_id: 'r2', annotator: null, load_id: 'new', current: false, never: true },
      { record_id: 'r1', annotator: 'bob', load_id: 'old', current: true, never: null },
      { record_id: 'r1', annotator: null, load_id: 'old', current: false, never: false },
    ]);
    conn.closeSync();
    instance.closeSync();
  });
});

describe('load plans', () => {
  it('names every problem of a file at once, and the file', () => {
    expect(() =>
      planLoad('raw_documents', [{ name: 'page', kind: 'string', typeText: 'VARCHAR' }], 'vessel-ocr/a.parquet'),
    ).toThrow(
      new BadFileError(
        "vessel-ocr/a.parquet: required column 'document_id' is missing; column 'page' is VARCHAR but must be an integer; required column 'text' is missing (file has: page VARCHAR)",
      ),
    );
  });

  it('matches names in any ASCII case, but not when a renamed name may be the one meant', () => {
    const column = (name: string, kind: 'string' | 'integer' = 'string') => ({ name, kind, typeText: kind });
    const plan = planLoad(
      'raw_documents',
      [column('Document_ID'), column('PAGE', 'integer'), column('text'), column('TEXT_1')],
      'f',
    );
    expect(plan.typed.map((t) => [t.column.name, t.source.name])).toEqual([
      ['document_id', 'Document_ID'],
      ['page', 'PAGE'],
      ['text', 'text'],
    ]);
    expect(plan.extras.map((c) => c.name)).toEqual(['TEXT_1']);
    // `Text` then `text` in a file arrive as `Text` and `text_1`.
    expect(() =>
      planLoad(
        'raw_documents',
        [column('document_id'), column('page', 'integer'), column('Text'), column('text_1')],
        'f',
      ),
    ).toThrow(
      "f: columns 'Text' and 'text_1' may both be 'text' (of two names that differ only in case, the readers rename the second, here to 'text_1'); rename one of them so that only one column is 'text' in any case",
    );
  });
});

describe('the embedded warehouse’s r2:// resolution', () => {
  const map = (v: string) => (v.startsWith('r2://') ? `/data${v.slice(4)}` : undefined);
  it('rewrites file arguments and FROM targets, never data', () => {
    expect(rewriteFileLiterals(`SELECT * FROM read_parquet('r2://b/k.parquet', file_row_number = true)`, map)).toBe(
      `SELECT * FROM read_parquet('/data/b/k.parquet', file_row_number = true)`,
    );
    expect(rewriteFileLiterals(`SELECT * FROM read_parquet(['r2://b/1.parquet', 'r2://b/2.parquet'])`, map)).toBe(
      `SELECT * FROM read_parquet(['/data/b/1.parquet', '/data/b/2.parquet'])`,
    );
    expect(rewriteFileLiterals(`SELECT * FROM 'r2://b/k.parquet'`, map)).toBe(`SELECT * FROM '/data/b/k.parquet'`);
    const data = `INSERT INTO t VALUES ('r2://b/k.parquet', upper('r2://x/y'))`;
    expect(rewriteFileLiterals(data, map)).toBe(data);
  });
});

describe('bearer tokens', () => {
  it('match only the exact token', async () => {
    expect(await bearerMatches('Bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(await bearerMatches('bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(await bearerMatches('Bearer s3cret-tokeN', 's3cret-token')).toBe(false);
    expect(await bearerMatches('s3cret-token', 's3cret-token')).toBe(false);
    expect(await bearerMatches(undefined, 's3cret-token')).toBe(false);
    expect(await bearerMatches('Bearer ', '')).toBe(false);
  });
});

describe('push transport', () => {
  // DuckDB is the oracle: the SQL the warehouse runs must give back exactly the values the Worker sent.
  const roundTrip = async (column: TransportColumn): Promise<unknown[]> => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const v = column.nullMark ? 'nullif(v, chr(31))' : 'v';
      const statement = await conn.prepare(
        `SELECT ${column.expr(v)} AS value FROM (SELECT unnest(${column.list('$1')}) AS v)`,
      );
      statement.bindVarchar(1, column.param);
      return (await statement.runAndReadAll()).getRowObjectsJS().map((r) => r.value);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  };
  const plain = fc.constantFrom('a', 'é', '🚢', "'", '\\', '"', ',');
  // Half the columns hold no separator byte (they travel delimited), half may (then as JSON).
  const column = fc.boolean().chain((marked) => {
    const unit = marked ? fc.oneof(plain, fc.constantFrom('\x1e', '\x1f')) : plain;
    const text = fc.oneof(fc.string({ unit }), ...(marked ? [fc.constant('\x1f')] : []), fc.constant(null));
    return fc.array(fc.array(text, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 });
  });

  it('brings back every string, NULL and separator byte, across chunks and from a slice', async () => {
    await fc.assert(
      fc.asyncProperty(column, fc.boolean(), fc.boolean(), async (chunks, large, sliced) => {
        // LargeUtf8 has 64-bit offsets; a slice starts inside the first chunk.
        const type = () => (large ? new LargeUtf8() : new Utf8());
        const vector = makeVector(chunks.map((c) => vectorFromArray(c, type()).data[0] as Data<Utf8 | LargeUtf8>));
        const values = chunks.flat();
        const from = sliced && (chunks[0]?.length ?? 0) > 1 ? 1 : 0;
        const column = transportColumn(vector, new Field('s', type(), true), from, values.length);
        expect(await roundTrip(column)).toEqual(values.slice(from));
      }),
      { numRuns: 80 },
    );
  });

  it('brings back doubles exactly, negative zero, NaN and infinities included', async () => {
    const doubles = [-0, 0, 0.1, -1.5e-300, 1e21, Number.NaN, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, null];
    const column = transportColumn(
      vectorFromArray(doubles, new Float64()),
      new Field('d', new Float64(), true),
      0,
      doubles.length,
    );
    expect(column.finite).toBe(false);
    expect(await roundTrip(column)).toEqual(doubles);
  });

  it('brings back integers and NULLs from a slice of a column', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.integer(), { nil: null }), { minLength: 2, maxLength: 20 }),
        async (ints) => {
          const vector = vectorFromArray(ints, new Int32());
          const column = transportColumn(vector, new Field('n', new Int32(), true), 1, ints.length);
          expect(await roundTrip(column)).toEqual(ints.slice(1));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('ingest batch', () => {
  it('settles each message before it handles the next, so a committed file is acked at once', async () => {
    const settled: Verdict[] = [];
    const settledBefore: number[] = [];
    const refuse = async () => {
      throw new Error('no warehouse in this test');
    };
    const deps = {
      warehouse: {
        query: refuse,
        execute: refuse,
        exec: refuse,
        loadFile: refuse,
        transaction: refuse,
        close: refuse,
      },
      store: { head: refuse, range: refuse, stream: refuse },
      routes: parseRoutes('[{"bucket": "vessel-csv", "target": "structured_data"}]'),
      strategy: 'push',
      clock: () => new Date('2026-11-21T12:00:00Z'),
      newId: () => crypto.randomUUID(),
      log: {
        info: () => {},
        error: () => {},
        warn: () => {
          settledBefore.push(settled.length);
        },
      },
      deadLetter: async () => {},
      notifyDiscovery: async () => {},
    } as unknown as IngestDeps;
    const report = await ingestBatch(
      [1, 2, 3].map((n) => ({ id: `m${n}`, attempts: 1, body: { not: 'an R2 event' } })),
      deps,
      (verdict) => settled.push(verdict),
    );
    expect(settledBefore).toEqual([0, 1, 2]);
    expect(settled).toEqual(report.verdicts);
    expect(settled.map((v) => v.action)).toEqual(['ack', 'ack', 'ack']);
  });
});

describe('push batches (Parquet)', () => {
  /** A session that records each INSERT's rows and parameter text instead of running it. */
  function recording() {
    const inserts: { rows: number; chars: number }[] = [];
    const session = {
      execute: async (sql: string, params: readonly SqlParam[] = []) => {
        if (!sql.startsWith('INSERT')) return 0;
        const texts = params as string[];
        const rows = (texts[0] as string).split('\x1e').length;
        inserts.push({ rows, chars: texts.reduce((n, p) => n + p.length, 0) });
        return rows;
      },
      query: async () => [{ others: false, later: false }],
    } as unknown as WarehouseSession;
    return { session, inserts };
  }

  /** One row group of 20,000 rows of about 410 characters: 8 MB uncompressed. */
  const wideFile = () =>
    parquetBytes(
      `SELECT i AS id, repeat('x', 200) || i AS a, repeat('y', 200) || i AS b FROM range(20000) t(i)`,
      'ROW_GROUP_SIZE 100000',
    );

  function load(bytes: Uint8Array, session: WarehouseSession, options = {}) {
    initParquetWasmForNode();
    const store = {
      range: async (_b: string, _k: string, _e: string, offset: number, length: number) =>
        bytes.slice(offset, offset + length),
    } as unknown as ObjectStore;
    const req: LoadRequest = {
      target: 'structured_data',
      format: 'parquet',
      bucket: 'vessel-csv',
      key: 'wide/rows.parquet',
      etag: 'e1',
      size: bytes.length,
      loadId: 'load-1',
      now: new Date('2026-11-21T00:00:00Z'),
      eventTime: new Date('2026-11-21T00:00:00Z'),
      source: 'wide',
    };
    return loadPush(session, store, req, { ...DEFAULT_PUSH_OPTIONS, ...options });
  }

  it('sends a row group of wide rows in batches that hold about batchChars of text', async () => {
    const { session, inserts } = recording();
    const budget = 1024 * 1024;
    const result = await load(await wideFile(), session, { batchChars: budget });
    expect(result.rows).toBe(20_000);
    expect(inserts.reduce((n, i) => n + i.rows, 0)).toBe(20_000);
    // 20,000 rows fit one batch by row count (32,768): the text budget makes about 8 of them.
    expect(inserts.length).toBeGreaterThanOrEqual(8);
    for (const insert of inserts) expect(insert.chars).toBeLessThanOrEqual(budget * 1.25);
    // Each batch is held while the next is built: the peak counts both, as UTF-16.
    expect(result.peakBytes).toBeGreaterThan(2 * budget);
  });

  it('keeps to the text budget when rows grow from one row group (or batch) to the next', async () => {
    // Row group 0: 32,768 rows of one character; row group 1: 16,384 more, then 16,384 rows of three
    // ~165-character strings (so a batch sized on the short rows reaches into the long ones).
    const long = (c: string) => `CASE WHEN i < 49152 THEN 'a' ELSE repeat('${c}', 160) || i END`;
    const bytes = await parquetBytes(
      `SELECT i AS id, ${long('x')} AS a, ${long('y')} AS b, ${long('z')} AS c FROM range(65536) t(i)`,
      'ROW_GROUP_SIZE 32768',
    );
    const { session, inserts } = recording();
    const budget = 1024 * 1024;
    const result = await load(bytes, session, { batchChars: budget });
    expect(result.rows).toBe(65_536);
    expect(inserts.reduce((n, i) => n + i.rows, 0)).toBe(65_536);
    for (const insert of inserts) expect(insert.chars).toBeLessThanOrEqual(budget * 1.25);
  });

  it('refuses, before decoding, a dictionary-encoded column that expands past the limits', async () => {
    // Five distinct 4 KB remarks: a few kilobytes recorded, their values expanded on every row.
    const file = (rows: number) =>
      parquetBytes(
        `SELECT i AS id, 'remark ' || (i % 5) || repeat('x', 4000) AS remarks FROM range(${rows}) t(i)`,
        'ROW_GROUP_SIZE 100000',
      );
    const { session, inserts } = recording();
    await expect(load(await file(2500), session)).rejects.toThrow(
      /column 'remarks' decodes to about 9\.6 MB \(dictionary values expanded\) in row group 0; the push strategy decodes at most 8 MB of one column at once/,
    );
    await expect(load(await file(20_000), session)).rejects.toThrow(
      /row group 0 decodes to about 76\.7 MB \(dictionary values expanded\); the push strategy loads at most 32 MB per row group/,
    );
    expect(inserts).toEqual([]);
    expect((await load(await file(1000), session)).rows).toBe(1000);
    // Nulls cost no text: a sparse column of such remarks (one row in a hundred) loads.
    const sparse = await parquetBytes(
      `SELECT i AS id, CASE WHEN i % 100 = 0 THEN repeat('y', 300) || (i % 7) END AS remarks FROM range(122880) t(i)`,
    );
    expect((await load(sparse, session)).rows).toBe(122_880);
    // A dictionary whose one long entry fills most rows is estimated low; the decoded bytes stop it.
    const skewed = await parquetBytes(
      `SELECT i AS id, CASE WHEN i % 100 < 90 THEN 'Standard disclaimer: ' || repeat('x', 1000) ELSE 'note ' || (i % 3000) END AS remark
       FROM range(50000) t(i)`,
    );
    const fresh = recording();
    await expect(load(skewed, fresh.session, { maxRowGroupBytes: 16 * 1024 * 1024 })).rejects.toThrow(
      /row group 0 decodes to 4\d\.\d MB or more, past its estimate .*at most 24 MB of a row group/,
    );
    expect(fresh.inserts).toEqual([]);
  });

  it('refuses a row group larger than maxRowGroupBytes before decoding it, naming both sizes', async () => {
    const { session, inserts } = recording();
    await expect(load(await wideFile(), session, { maxRowGroupBytes: 4 * 1024 * 1024 })).rejects.toThrow(
      /row group 0 holds 8.1 MB uncompressed; the push strategy loads at most 4 MB per row group/,
    );
    expect(inserts).toEqual([]);
  });

  it('refuses a row group with one column of more than a quarter of the limit: a column is decoded whole', async () => {
    const { session, inserts } = recording();
    await expect(load(await wideFile(), session, { maxRowGroupBytes: 12 * 1024 * 1024 })).rejects.toThrow(
      /column 'a' holds 4 MB uncompressed in row group 0; the push strategy decodes at most 3 MB of one column at once/,
    );
    expect(inserts).toEqual([]);
    // Within the limits the same file loads, a few columns at a time.
    expect((await load(await wideFile(), session, { maxRowGroupBytes: 20 * 1024 * 1024 })).rows).toBe(20_000);
  });
});
