import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWarehouseServer, type WarehouseServer } from '../../tools/embedded-warehouse/server.ts';
import { CORPUS_DIR } from '../support/paths.ts';
import {
  bind,
  cancelRequest,
  close,
  dataRow,
  describe as describeMsg,
  errorFields,
  execute,
  fields,
  flush,
  message,
  parameterOids,
  parse,
  query,
  RawClient,
  sslRequest,
  startupMessage,
  sync,
  types,
} from '../support/pg-raw.ts';

const TOKEN = 'embedded-test-token-0123456789';

let server: WarehouseServer;
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'embedded-warehouse-'));
  const bucket = join(root, 'r2', 'vessel-csv');
  server = await startWarehouseServer({
    databasePath: ':memory:',
    port: 0,
    token: TOKEN,
    r2Directories: { 'vessel-csv': bucket },
    maxConnections: 40,
  });
  const { copyFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(join(bucket, 'in'), { recursive: true });
  copyFileSync(join(CORPUS_DIR, 'data', 'alltypes_plain.parquet'), join(bucket, 'in', 'alltypes plain.parquet'));
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const sqlFor = (database: string, options: postgres.Options<Record<string, never>> = {}) =>
  postgres(server.url(database), { prepare: false, fetch_types: false, onnotice: () => {}, ...options });

async function login(database = 'protocol'): Promise<RawClient> {
  const { client, messages } = await RawClient.login(server.port, TOKEN, database);
  expect(messages.at(-1)?.type).toBe('Z');
  return client;
}

describe('embedded warehouse: connection start-up', () => {
  it('asks for a cleartext password, then reports parameters, a cancel key and ready', async () => {
    const { client, messages } = await RawClient.login(server.port, TOKEN, 'startup');
    expect(types(messages)).toMatch(/^RS+KZ$/);
    const params = Object.fromEntries(
      messages.filter((m) => m.type === 'S').map((m) => m.body.toString('utf8').split('\0').slice(0, 2)),
    );
    expect(params).toMatchObject({
      client_encoding: 'UTF8',
      TimeZone: 'UTC',
      DateStyle: 'ISO, MDY',
      integer_datetimes: 'on',
    });
    expect(messages.at(-1)?.body.toString()).toBe('I');
    await client.close();
  });

  it('refuses a wrong token with 28P01 and closes the connection', async () => {
    const { client, messages } = await RawClient.login(server.port, 'not-the-token', 'startup');
    expect(messages.map((m) => m.type)).toEqual(['E']);
    expect(errorFields((messages[0] as { body: Buffer }).body)).toMatchObject({
      S: 'FATAL',
      C: '28P01',
      M: 'password authentication failed for user "postgres"',
    });
    await expect(client.next(2000)).rejects.toThrow(/closed/);
  });

  it('closes a connection whose password message is too large, before reading it', async () => {
    const client = await RawClient.open(server.port);
    client.send(startupMessage({ user: 'postgres', database: 'big' }));
    expect((await client.next()).type).toBe('R');
    const head = Buffer.alloc(5);
    head.write('p', 0);
    head.writeInt32BE(200 * 1024 * 1024, 1);
    client.send(head);
    await expect(client.until(['Z'])).rejects.toThrow(/closed/);
  });

  it('answers an SSLRequest with N and goes on in plain text', async () => {
    const client = await RawClient.open(server.port);
    client.send(sslRequest());
    expect(await client.byte()).toBe('N');
    client.send(startupMessage({ user: 'postgres', database: 'ssl' }));
    expect((await client.next()).type).toBe('R');
    client.send(message('p', Buffer.from(`${TOKEN}\0`)));
    expect((await client.until(['Z'])).at(-1)?.type).toBe('Z');
    await client.close();
  });

  it('refuses an invalid database name with 3D000', async () => {
    const { messages } = await RawClient.login(server.port, TOKEN, 'bad-name!');
    expect(errorFields((messages.at(-1) as { body: Buffer }).body)).toMatchObject({ C: '3D000' });
  });

  it('refuses connections beyond its limit with 53300', async () => {
    const small = await startWarehouseServer({
      databasePath: ':memory:',
      port: 0,
      token: TOKEN,
      r2Directories: {},
      maxConnections: 1,
    });
    const first = await RawClient.login(small.port, TOKEN, 'one');
    const second = await RawClient.login(small.port, TOKEN, 'one');
    expect(errorFields((second.messages.at(-1) as { body: Buffer }).body)).toMatchObject({ C: '53300' });
    await first.client.close();
    await small.close();
  });

  it('only listens on loopback', async () => {
    await expect(
      startWarehouseServer({ databasePath: ':memory:', host: '0.0.0.0', port: 0, token: TOKEN, r2Directories: {} }),
    ).rejects.toThrow(/only listens on loopback/);
  });
});

describe('embedded warehouse: simple query protocol', () => {
  it('reports every type with its PostgreSQL OID and text encoding, NULLs included', async () => {
    const client = await login('types');
    client.send(
      query(`SELECT true AS b, 7::SMALLINT AS i2, 42::INTEGER AS i4, 9007199254740993::BIGINT AS i8,
        0.1::FLOAT AS f4, 0.1::DOUBLE AS f8, 12.345::DECIMAL(10,3) AS num, 170141183460469231731687303715884105727::HUGEINT AS huge,
        'txt'::TEXT AS t, 'vc'::VARCHAR AS v, DATE '2024-02-29' AS d, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts,
        TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tz, '{"a": [1, 2]}'::JSON AS j, '550e8400-e29b-41d4-a716-446655440000'::UUID AS u,
        '\\x00\\xFF'::BLOB AS by, [1, 2, 3] AS l, {'k': 'v', 'n': 9007199254740993::BIGINT} AS s, MAP {'a': 1.5::DECIMAL(3,1)} AS m,
        NULL::INTEGER AS null_int, NULL::VARCHAR AS null_text, NULL::INTEGER[] AS null_list`),
    );
    const messages = await client.until(['Z']);
    expect(types(messages)).toBe('TDCZ');
    const described = fields((messages[0] as { body: Buffer }).body);
    expect(described.map((f) => [f.name, f.oid])).toEqual([
      ['b', 16],
      ['i2', 21],
      ['i4', 23],
      ['i8', 20],
      ['f4', 700],
      ['f8', 701],
      ['num', 1700],
      ['huge', 1700],
      ['t', 25],
      ['v', 25],
      ['d', 1082],
      ['ts', 1114],
      ['tz', 1184],
      ['j', 114],
      ['u', 2950],
      ['by', 17],
      ['l', 114],
      ['s', 114],
      ['m', 114],
      ['null_int', 23],
      ['null_text', 25],
      ['null_list', 114],
    ]);
    expect(dataRow((messages[1] as { body: Buffer }).body)).toEqual([
      't',
      '7',
      '42',
      '9007199254740993',
      '0.1',
      '0.1',
      '12.345',
      '170141183460469231731687303715884105727',
      'txt',
      'vc',
      '2024-02-29',
      '2024-01-02 03:04:05.123456',
      '2024-01-02 01:04:05+00',
      '{"a": [1, 2]}',
      '550e8400-e29b-41d4-a716-446655440000',
      '\\x00ff',
      '[1,2,3]',
      '{"k":"v","n":9007199254740993}',
      '{"a":1.5}',
      null,
      null,
      null,
    ]);
    expect((messages[2] as { body: Buffer }).body.toString()).toBe('SELECT 1\0');
    await client.close();
  });

  it('returns one result per statement and PostgreSQL command tags', async () => {
    const client = await login('tags');
    client.send(
      query(
        'CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2); UPDATE t SET a = a + 1; SELECT a FROM t ORDER BY a; DELETE FROM t',
      ),
    );
    const messages = await client.until(['Z']);
    const tags = messages.filter((m) => m.type === 'C').map((m) => m.body.toString().replace('\0', ''));
    expect(tags).toEqual(['CREATE TABLE', 'INSERT 0 2', 'UPDATE 2', 'SELECT 2', 'DELETE 2']);
    client.send(query('  -- nothing but a comment\n'));
    expect(types(await client.until(['Z']))).toBe('IZ');
    await client.close();
  });

  it('reports a syntax error with 42601 and DuckDB’s message, and stays usable', async () => {
    const client = await login('errors');
    client.send(query('SELEC 1'));
    const failed = await client.until(['Z']);
    expect(types(failed)).toBe('EZ');
    const error = errorFields((failed[0] as { body: Buffer }).body);
    expect(error).toMatchObject({ S: 'ERROR', C: '42601' });
    expect(error.M).toMatch(/^Parser Error: syntax error at or near "SELEC"/);
    client.send(query('SELECT 2 AS ok'));
    const ok = await client.until(['Z']);
    expect(dataRow((ok[1] as { body: Buffer }).body)).toEqual(['2']);
    await client.close();
  });

  it('tracks transactions per connection: T inside, E after an error, I after ROLLBACK', async () => {
    const a = await login('tx');
    const b = await login('tx');
    a.send(query('CREATE TABLE IF NOT EXISTS ledger (id INTEGER PRIMARY KEY)'));
    await a.until(['Z']);
    a.send(query('BEGIN; INSERT INTO ledger VALUES (1)'));
    expect((await a.until(['Z'])).at(-1)?.body.toString()).toBe('T');
    b.send(query('SELECT count(*) FROM ledger'));
    expect(dataRow(((await b.until(['Z']))[1] as { body: Buffer }).body)).toEqual(['0']);
    a.send(query('INSERT INTO ledger VALUES (1)'));
    const dup = await a.until(['Z']);
    expect(errorFields((dup[0] as { body: Buffer }).body).C).toBe('23505');
    expect(dup.at(-1)?.body.toString()).toBe('E');
    a.send(query('SELECT 1'));
    const aborted = await a.until(['Z']);
    expect(errorFields((aborted[0] as { body: Buffer }).body).C).toBe('25P02');
    a.send(query('ROLLBACK'));
    expect((await a.until(['Z'])).at(-1)?.body.toString()).toBe('I');
    b.send(query('BEGIN; INSERT INTO ledger VALUES (2); COMMIT'));
    expect((await b.until(['Z'])).at(-1)?.body.toString()).toBe('I');
    a.send(query('SELECT count(*) FROM ledger'));
    expect(dataRow(((await a.until(['Z']))[1] as { body: Buffer }).body)).toEqual(['1']);
    await a.close();
    await b.close();
  });
});

describe('embedded warehouse: concurrent writers', () => {
  it('reports a duplicate key found only at COMMIT as 23505, as PostgreSQL reports a deferred one', async () => {
    const a = await login('commit_dup');
    const b = await login('commit_dup');
    a.send(query('CREATE TABLE IF NOT EXISTS holders (name VARCHAR PRIMARY KEY)'));
    await a.until(['Z']);
    a.send(query("BEGIN; INSERT INTO holders VALUES ('lock')"));
    await a.until(['Z']);
    b.send(query("BEGIN; INSERT INTO holders VALUES ('lock')"));
    const inserted = await b.until(['Z']);
    a.send(query('COMMIT'));
    expect((await a.until(['Z'])).at(-1)?.body.toString()).toBe('I');
    b.send(query('COMMIT'));
    const committed = await b.until(['Z']);
    // DuckDB finds the clash either at b's INSERT or at its COMMIT; either way it is a unique violation.
    const failed = [...inserted, ...committed].find((m) => m.type === 'E') as { body: Buffer } | undefined;
    expect(failed && errorFields(failed.body).C).toBe('23505');
    await a.close();
    await b.close();
  });
});

describe('embedded warehouse: extended query protocol', () => {
  it('runs Parse/Bind/Describe/Execute/Sync with text parameters typed by DuckDB', async () => {
    const client = await login('extended');
    client.send(
      Buffer.concat([
        parse('', 'SELECT $1::INTEGER + 1 AS n, $2::TIMESTAMPTZ AS at, $3 AS untyped'),
        describeMsg('S', ''),
        bind('', '', ['41', '2024-05-01T10:00:00.000Z', 'hello']),
        execute(''),
        sync(),
      ]),
    );
    const messages = await client.until(['Z']);
    expect(types(messages)).toBe('1tT2DCZ');
    expect(parameterOids((messages[1] as { body: Buffer }).body)).toEqual([23, 1184, 25]);
    expect(fields((messages[2] as { body: Buffer }).body).map((f) => f.oid)).toEqual([23, 1184, 25]);
    expect(dataRow((messages[4] as { body: Buffer }).body)).toEqual(['42', '2024-05-01 10:00:00+00', 'hello']);
    await client.close();
  });

  it('answers a Flush-ed Describe before Sync, as postgres.js expects', async () => {
    const client = await login('extended');
    client.send(Buffer.concat([parse('', 'SELECT $1::VARCHAR AS v'), describeMsg('S', ''), flush()]));
    expect(types(await client.until(['T']))).toBe('1tT');
    client.send(Buffer.concat([bind('', '', ['x']), execute(''), sync()]));
    expect(types(await client.until(['Z']))).toBe('2DCZ');
    await client.close();
  });

  it('skips to Sync after an error and reports it at once', async () => {
    const client = await login('extended');
    client.send(Buffer.concat([parse('', 'SELEC $1'), describeMsg('S', ''), flush()]));
    const error = await client.next();
    expect(error.type).toBe('E');
    expect(errorFields(error.body).C).toBe('42601');
    client.send(Buffer.concat([bind('', '', ['1']), execute(''), sync()]));
    expect(types(await client.until(['Z']))).toBe('Z');
    client.send(Buffer.concat([parse('', 'SELECT 1 AS one'), bind('', '', []), execute(''), sync()]));
    expect(types(await client.until(['Z']))).toBe('12DCZ');
    await client.close();
  });

  it('keeps named statements until Close, and refuses them afterwards', async () => {
    const client = await login('extended');
    client.send(Buffer.concat([parse('double', 'SELECT $1::INTEGER * 2 AS d'), sync()]));
    expect(types(await client.until(['Z']))).toBe('1Z');
    for (const n of ['2', '21']) {
      client.send(Buffer.concat([bind('', 'double', [n]), execute(''), sync()]));
      const rows = await client.until(['Z']);
      expect(dataRow((rows[1] as { body: Buffer }).body)).toEqual([String(Number(n) * 2)]);
    }
    client.send(Buffer.concat([close('S', 'double'), bind('', 'double', ['1']), sync()]));
    const closed = await client.until(['Z']);
    expect(types(closed)).toBe('3EZ');
    expect(errorFields((closed[1] as { body: Buffer }).body).C).toBe('26000');
    await client.close();
  });

  it('suspends a portal after maxRows and resumes where it stopped', async () => {
    const client = await login('extended');
    client.send(
      Buffer.concat([parse('', 'SELECT range AS i FROM range(5)'), bind('p', '', []), execute('p', 2), sync()]),
    );
    const first = await client.until(['Z']);
    expect(types(first)).toBe('12DDsZ');
    client.send(Buffer.concat([execute('p', 2), execute('p', 2), sync()]));
    const rest = await client.until(['Z']);
    expect(types(rest)).toBe('DDsDCZ');
    expect(rest.filter((m) => m.type === 'D').map((m) => dataRow(m.body)[0])).toEqual(['2', '3', '4']);
    expect((rest.find((m) => m.type === 'C') as { body: Buffer }).body.toString()).toBe('SELECT 5\0');
    await client.close();
  });

  it('answers NoData for statements without rows and tags them', async () => {
    const client = await login('extended');
    client.send(
      Buffer.concat([
        parse('', 'CREATE TABLE nodata (a INTEGER)'),
        describeMsg('S', ''),
        bind('', '', []),
        execute(''),
        sync(),
      ]),
    );
    const messages = await client.until(['Z']);
    expect(types(messages)).toBe('1tn2CZ');
    expect((messages[4] as { body: Buffer }).body.toString()).toBe('CREATE TABLE\0');
    await client.close();
  });

  it('refuses binary parameter formats with 0A000', async () => {
    const client = await login('extended');
    client.send(Buffer.concat([parse('', 'SELECT $1::INTEGER'), bind('', '', ['1'], [1]), sync()]));
    const messages = await client.until(['Z']);
    expect(types(messages)).toBe('1EZ');
    expect(errorFields((messages[1] as { body: Buffer }).body).C).toBe('0A000');
    await client.close();
  });

  it('refuses several statements in one Parse', async () => {
    const client = await login('extended');
    client.send(Buffer.concat([parse('', 'SELECT 1; SELECT 2'), sync()]));
    const messages = await client.until(['Z']);
    expect(errorFields((messages[0] as { body: Buffer }).body)).toMatchObject({ C: '42601' });
    await client.close();
  });
});

describe('embedded warehouse: with postgres.js', () => {
  it('keeps concurrent clients apart: each sees exactly its own writes', async () => {
    const setup = sqlFor('concurrent');
    await setup.unsafe('CREATE TABLE writes (client INTEGER, n INTEGER)');
    const clients = Array.from({ length: 8 }, () => sqlFor('concurrent', { max: 1 }));
    await Promise.all(
      clients.map((sql, c) =>
        sql.begin(async (tx) => {
          for (let batch = 0; batch < 10; batch++) {
            const values = Array.from({ length: 100 }, (_, i) => `(${c}, ${batch * 100 + i})`).join(', ');
            await tx.unsafe(`INSERT INTO writes VALUES ${values}`);
          }
        }),
      ),
    );
    const counts = await setup.unsafe(
      'SELECT client, count(*)::INTEGER AS n, sum(n)::INTEGER AS s FROM writes GROUP BY client ORDER BY client',
    );
    expect(counts).toEqual(Array.from({ length: 8 }, (_, c) => ({ client: c, n: 1000, s: 499500 })));
    await Promise.all([...clients, setup].map((s) => s.end()));
  });

  it('streams a large result in full', async () => {
    const sql = sqlFor('large');
    const rows = await sql.unsafe(
      `SELECT range AS i, 'row ' || range AS label, NULL::VARCHAR AS nothing FROM range(300000)`,
    );
    expect(rows).toHaveLength(300000);
    expect(rows[299999]).toEqual({ i: '299999', label: 'row 299999', nothing: null });
    let seen = 0;
    await sql.unsafe('SELECT range AS i FROM range(25000)').cursor(1000, (batch) => {
      seen += batch.length;
    });
    expect(seen).toBe(25000);
    await sql.end();
  });

  it('cancels a running statement on a CancelRequest with 57014', async () => {
    const sql = sqlFor('cancel');
    const running = sql.unsafe('SELECT count(*) FROM range(100000000000) a');
    setTimeout(() => running.cancel(), 300);
    await expect(running).rejects.toMatchObject({ code: '57014' });
    expect(await sql.unsafe('SELECT 1::INTEGER AS ok')).toEqual([{ ok: 1 }]);
    await sql.end();
  });

  it('cancels what was sent before the cancel even if it starts after it, as Postgres does', async () => {
    const { client, messages } = await RawClient.login(server.port, TOKEN, 'cancel_early');
    const key = (messages.find((m) => m.type === 'K') as { body: Buffer }).body;
    client.send(Buffer.concat([parse('', 'SELECT count(*) FROM range(100000000000) a'), flush()]));
    expect((await client.next()).type).toBe('1');
    // No ReadyForQuery yet: the cancel is for this request, whose statement has not started.
    const canceller = await RawClient.open(server.port);
    canceller.send(cancelRequest(key.readInt32BE(0), key.readInt32BE(4)));
    await expect(canceller.next(5000)).rejects.toThrow(/closed/);
    client.send(Buffer.concat([bind('', '', []), execute(''), sync()]));
    const reply = await client.until(['Z']);
    expect(errorFields((reply.find((m) => m.type === 'E') as { body: Buffer }).body)).toMatchObject({ C: '57014' });
    // The cancel is spent: the next request runs.
    client.send(query('SELECT 42 AS answer'));
    expect((await client.until(['Z'])).filter((m) => m.type === 'D').map((m) => dataRow(m.body))).toEqual([['42']]);
    await client.close();
  });
});

describe('embedded warehouse: file access', () => {
  it('reads r2://bucket/key from the bucket directory, spaces in keys included', async () => {
    const sql = sqlFor('files');
    const rows = await sql.unsafe(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('r2://vessel-csv/in/alltypes plain.parquet')`,
    );
    expect(rows).toEqual([{ n: 8 }]);
    await sql.end();
  });

  it('names objects in errors by their r2:// URL, not the local path it reads', async () => {
    const sql = sqlFor('files');
    const error = await sql.unsafe(`SELECT * FROM read_parquet('r2://vessel-csv/in/missing.parquet')`).catch((e) => e);
    expect(error.message).toContain('"r2://vessel-csv/in/missing.parquet"');
    expect(error.message).not.toContain(tmpdir());
    await sql.end();
  });

  it.each([
    ["SELECT * FROM read_parquet('r2://vessel-csv/../../etc/passwd')", /may not be absolute or contain '\.\.'/],
    [
      "SELECT * FROM read_parquet('r2://other-bucket/x.parquet')",
      /unknown R2 bucket 'other-bucket' \(configured buckets: vessel-csv\)/,
    ],
    ["SELECT * FROM read_csv('/etc/passwd')", /Permission Error/],
    ["SELECT * FROM read_text('/etc/hostname')", /Permission Error/],
    ["COPY (SELECT 1) TO '/tmp/escape.csv'", /COPY is not allowed here/],
    ["ATTACH '/tmp/other.duckdb' AS other", /ATTACH is not allowed here/],
    // The bucket directories are readable, so DuckDB alone would let these write there.
    ["COPY (SELECT 42 AS planted) TO 'r2://vessel-csv/planted.parquet'", /COPY is not allowed here/],
    ["copy (select 1) to 'r2://vessel-csv/planted.csv'", /COPY is not allowed here/],
    ["ATTACH 'r2://vessel-csv/evil.duckdb' AS evil", /ATTACH is not allowed here/],
    ["EXPORT DATABASE 'r2://vessel-csv/dump'", /EXPORT is not allowed here/],
    ["IMPORT DATABASE 'r2://vessel-csv/dump'", /IMPORT is not allowed here/],
    ["LOAD 'r2://vessel-csv/x.duckdb_extension'", /LOAD is not allowed here/],
    ["EXPLAIN ANALYZE COPY (SELECT 42) TO 'r2://vessel-csv/b.csv'", /COPY is not allowed here/],
    ["PREPARE p AS COPY (SELECT 43) TO 'r2://vessel-csv/c.csv'", /COPY is not allowed here/],
    ['INSTALL httpfs', /INSTALL is not allowed here/],
    ["SELECT * FROM read_parquet('https://example.com/x.parquet')", /Permission Error/],
    ["SET allowed_directories = ['/']", /Cannot change .*allowed_directories/],
    // DuckDB nests block comments and ends a line comment at \r: the refusals read SQL the same way.
    ["/* /* */ SELECT 1 */ COPY (SELECT 42) TO 'r2://vessel-csv/nested.csv'", /COPY is not allowed here/],
    ["/* /* */ SELECT */ ATTACH 'r2://vessel-csv/evil.duckdb' AS evil", /ATTACH is not allowed here/],
    ["SELECT 1 -- x\r; COPY (SELECT 7) TO 'r2://vessel-csv/cr.csv'", /COPY is not allowed here/],
    ["CALL enable_logging(storage = 'file', storage_path = 'r2://vessel-csv/logs')", /ENABLE_LOGGING is not allowed/],
    ["SELECT * FROM enable_logging(storage = 'file')", /ENABLE_LOGGING is not allowed/],
    ["CALL \"enable_logging\"(storage = 'file', storage_path = 'r2://vessel-csv/q')", /ENABLE_LOGGING is not allowed/],
    ["CALL enable_profiling(format = 'json', save_location = 'r2://vessel-csv/p.json')", /ENABLE_PROFILING is not/],
    ['SELECT * FROM query(\'SELECT * FROM "Enable_Logging"()\')', /ENABLE_LOGGING is not allowed/],
    ["PRAGMA import_database('r2://vessel-csv/dump')", /IMPORT_DATABASE is not allowed/],
    ["EXPLAIN ANALYZE SELECT * FROM enable_logging(storage = 'file')", /ENABLE_LOGGING is not allowed/],
    ["SET profiling_output = 'r2://vessel-csv/p.txt'", /configuration has been locked/],
  ])('refuses %s', async (statement, expected) => {
    const sql = sqlFor('files');
    await expect(sql.unsafe(statement)).rejects.toThrow(expected);
    await sql.end();
  });

  it('reads a dollar-quoted string with a non-ASCII tag as one statement, as DuckDB does', async () => {
    const client = await login('files');
    client.send(query('SELECT $é$x;y$é$ AS v'));
    const reply = await client.until(['Z']);
    expect(reply.map((m) => m.type)).toEqual(['T', 'D', 'C', 'Z']);
    await client.close();
  });

  it('refuses the same over the simple protocol, as psql sends it, and writes nothing into the bucket', async () => {
    const client = await login('files');
    for (const text of [
      "/* /* */ SELECT 1 */ COPY (SELECT 42) TO 'r2://vessel-csv/simple.csv'",
      "SELECT 1 -- x\r; COPY (SELECT 7) TO 'r2://vessel-csv/simple-cr.csv'",
      "SELECT 1; CALL enable_logging(storage = 'file', storage_path = 'r2://vessel-csv/logs')",
    ]) {
      client.send(query(text));
      const reply = await client.until(['Z']);
      const error = reply.find((m) => m.type === 'E') as { body: Buffer } | undefined;
      expect(error && errorFields(error.body).C, text).toBe('42501');
    }
    await client.close();
    expect(readdirSync(join(root, 'r2', 'vessel-csv')).sort()).toEqual(['in']);
  });
});

describe('embedded warehouse: shutdown', () => {
  it('disconnects clients with 57P01 and checkpoints a file database that reopens intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'embedded-file-'));
    const path = join(dir, 'durable.duckdb');
    const first = await startWarehouseServer({ databasePath: path, port: 0, token: TOKEN, r2Directories: {} });
    const { client } = await RawClient.login(first.port, TOKEN, 'durable');
    client.send(query('CREATE TABLE kept AS SELECT range AS i FROM range(1000)'));
    await client.until(['Z']);
    const wrongDb = await RawClient.login(first.port, TOKEN, 'elsewhere');
    expect(errorFields((wrongDb.messages.at(-1) as { body: Buffer }).body)).toMatchObject({ C: '3D000' });
    await first.close();
    const bye = await client.next();
    expect(errorFields(bye.body)).toMatchObject({ S: 'FATAL', C: '57P01' });
    const second = await startWarehouseServer({ databasePath: path, port: 0, token: TOKEN, r2Directories: {} });
    const sql = postgres(second.url(), { prepare: false, fetch_types: false });
    expect(await sql.unsafe('SELECT count(*)::INTEGER AS n FROM kept')).toEqual([{ n: 1000 }]);
    await sql.end();
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('embedded warehouse: psql', () => {
  it('works from Debian’s psql: parameters, an error then a good query, a rolled-back transaction', async () => {
    const script = join(root, 'session.sql');
    writeFileSync(
      script,
      [
        'PREPARE plus_one AS SELECT $1::INTEGER + 1 AS answer;',
        'EXECUTE plus_one(41);',
        'SELEC broken;',
        "SELECT 'still here' AS status;",
        'CREATE TABLE psql_tx (a INTEGER);',
        'BEGIN;',
        'INSERT INTO psql_tx VALUES (1);',
        'ROLLBACK;',
        'SELECT count(*) AS rows_after_rollback FROM psql_tx;',
      ].join('\n'),
    );
    // NOTE: asynchronous on purpose: the server runs in this process and must keep answering.
    const result = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(
        'psql',
        [server.url('psql_session'), '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=0', '-f', script],
        (error, stdout, stderr) => {
          if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new Error('psql is required for this test (apt-get install postgresql-client)'));
          } else resolve({ stdout, stderr });
        },
      );
    });
    expect(result.stdout.split('\n').filter((l) => l !== '')).toEqual([
      'PREPARE',
      '42',
      'still here',
      'CREATE TABLE',
      'BEGIN',
      'INSERT 0 1',
      'ROLLBACK',
      '0',
    ]);
    expect(result.stderr).toMatch(/ERROR: {2}Parser Error: syntax error at or near "SELEC"/);
  });
});
