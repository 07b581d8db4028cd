// The Worker adapter of the warehouse port: postgres.js over the Postgres wire protocol, pointed at
// MotherDuck's Postgres endpoint in production and at the embedded warehouse locally.
import postgres from 'postgres';
import { AppError } from '../errors.ts';
import type { Row, SqlParam, StatementOptions, Warehouse, WarehouseSession } from './port.ts';
import { fileLoadSql } from './sql.ts';

export interface PostgresWarehouseOptions {
  /** Connections in the pool; a Worker invocation rarely needs more than a few. */
  readonly max?: number;
  readonly connectTimeoutSeconds?: number;
  /** A statement running longer is cancelled and reported as a transient failure. */
  readonly queryTimeoutMs?: number;
  /**
   * The same for loadFile, the warehouse reading a whole file: a large one may take minutes. The
   * default (10 min) stays inside a queue consumer's 15 minutes of wall time.
   */
  readonly loadTimeoutMs?: number;
  readonly applicationName?: string;
}

type Sql = postgres.Sql;
type TxSql = postgres.TransactionSql;

/** Errors that mean the connection, not the statement, failed: safe to retry later. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/** Server errors that are about the server's state, not the statement. */
const TRANSIENT_SQLSTATES = new Set([
  '40001',
  '40P01',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '08000',
  '08003',
  '08006',
  '28P01',
  '28000',
]);

/**
 * A warehouse over one connection URL (`WAREHOUSE_URL`), e.g.
 * `postgres://postgres:<token>@pg.us-east-1-aws.motherduck.com:5432/<db>?sslmode=require`.
 * The client is created on first use; after a connection failure it is dropped and made again on the
 * next call, so a down warehouse costs one failed attempt per call, not a reconnect loop. A fresh client
 * must hear a Postgres server within the connect timeout (see heard()).
 */
export function createPostgresWarehouse(url: string, options: PostgresWarehouseOptions = {}): Warehouse {
  const queryTimeoutMs = options.queryTimeoutMs ?? 120_000;
  const loadTimeoutMs = options.loadTimeoutMs ?? 600_000;
  const connectTimeoutSeconds = options.connectTimeoutSeconds ?? 10;
  let client: Sql | null = null;
  /** Whether the current client has heard a Postgres server (a ParameterStatus, or a statement's result). */
  let spoken = false;

  const connect = (): Sql => {
    if (client) return client;
    spoken = false;
    client = postgres(url, {
      // NOTE: MotherDuck has no pg_catalog and no named prepared statements.
      prepare: false,
      fetch_types: false,
      max: options.max ?? 4,
      connect_timeout: connectTimeoutSeconds,
      idle_timeout: 20,
      max_lifetime: 60 * 30,
      onnotice: () => {},
      types: {
        // JSON parameters may arrive as text already (exact big integers, our own serialisation): keep it.
        json: {
          to: 114,
          from: [114, 3802],
          serialize: (x: unknown) => (typeof x === 'string' ? x : JSON.stringify(x)),
          parse: (x: string) => JSON.parse(x),
        },
      },
      connection: { application_name: options.applicationName ?? 'living-schema' },
      onparameter: () => {
        spoken = true;
      },
    });
    return client;
  };

  const discard = (): void => {
    const old = client;
    client = null;
    old?.end({ timeout: 0 }).catch(() => {});
  };

  const guarded = async <T>(work: (sql: Sql) => Promise<T>): Promise<T> => {
    try {
      const sql = connect();
      const result = await (spoken ? work(sql) : heard(work(sql), connectTimeoutSeconds * 1000, () => spoken));
      spoken = true;
      return result;
    } catch (error) {
      const mapped = asWarehouseError(error);
      if (mapped === null) throw error;
      // A broken connection poisons the pool; a transient SQL error (a write-write conflict, 40001) does
      // not, and other sessions' open transactions must survive it.
      if (mapped.code === 'warehouse_unavailable' && mapped.sqlstate === undefined) discard();
      throw mapped;
    }
  };

  // Errors come out as AppError inside a transaction too (outside one, guarded() maps them as well).
  const session = (sql: Sql | TxSql): WarehouseSession => ({
    query: <T extends object = Row>(text: string, params: readonly SqlParam[] = [], options: StatementOptions = {}) => {
      const query = unsafe(sql, text, params);
      const running =
        options.timeoutMs === undefined ? withTimeout(query, queryTimeoutMs) : cancelledAfter(query, options.timeoutMs);
      return mapped(running.then((rows) => rows as unknown as T[]));
    },
    execute: (text: string, params: readonly SqlParam[] = []) =>
      mapped(withTimeout(unsafe(sql, text, params), queryTimeoutMs).then((result) => result.count)),
    exec: (text: string) => mapped(withTimeout(sql.unsafe(text), queryTimeoutMs).then(() => undefined)),
    loadFile: (load) =>
      mapped(
        withTimeout(unsafe(sql, fileLoadSql(load), load.params ?? []), loadTimeoutMs).then((result) => result.count),
      ),
  });

  return {
    query: (text, params, options) => guarded((sql) => session(sql).query(text, params, options)),
    execute: (text, params) => guarded((sql) => session(sql).execute(text, params)),
    exec: (text) => guarded((sql) => session(sql).exec(text)),
    loadFile: (load) => guarded((sql) => session(sql).loadFile(load)),
    transaction: (fn) =>
      guarded((sql) => sql.begin((tx) => fn(session(tx))) as Promise<Awaited<ReturnType<typeof fn>>>),
    close: async () => {
      const old = client;
      client = null;
      await old?.end({ timeout: 5 });
    },
  };
}

/**
 * `work`, unless nothing that speaks Postgres has answered within `ms`. NOTE: postgres.js reconnects at
 * once, without end, when a server accepts the connection and then drops it during start-up (anything
 * that is not a Postgres server: an HTTP port, a proxy); its connect_timeout restarts with every attempt.
 */
function heard<T>(work: Promise<T>, ms: number, spoken: () => boolean): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (spoken()) return;
      reject(
        new AppError(
          'warehouse_unavailable',
          `warehouse unreachable: no Postgres server answered within ${ms / 1000} s (is WAREHOUSE_URL's host and port a Postgres endpoint?)`,
        ),
      );
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** `work`, failing with AppError when postgres.js failed (anything else as it was). */
function mapped<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw asWarehouseError(error) ?? error;
  });
}

/** One statement over the extended protocol (never the simple one, even without parameters). */
function unsafe(sql: Sql | TxSql, text: string, params: readonly SqlParam[]) {
  return sql.unsafe(
    text,
    params as postgres.ParameterOrJSON<never>[],
    { prepare: false, simple: false } as postgres.UnsafeQueryOptions,
  );
}

function withTimeout<T>(query: Promise<T> & { cancel(): unknown }, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      query.cancel();
      reject(new AppError('warehouse_unavailable', `warehouse statement timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([query, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}

/** How long a cancelled statement may take to stop before the call gives up waiting for the warehouse. */
const CANCEL_GRACE_MS = 5_000;

/**
 * `query` with a time limit the warehouse enforces: at `ms` a CancelRequest goes out (DuckDB is interrupted)
 * and the call fails with query_timeout once the statement has ended, so nothing is left running on the
 * connection; if the warehouse has not stopped it within CANCEL_GRACE_MS, the call gives up waiting.
 */
function cancelledAfter<T>(query: Promise<T> & { cancel(): unknown }, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let grace: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(
      () => {
        query.cancel();
        grace = setTimeout(
          () =>
            reject(
              new AppError(
                'query_timeout',
                `statement cancelled after ${ms} ms; the warehouse did not confirm in time`,
              ),
            ),
          CANCEL_GRACE_MS,
        );
      },
      Math.max(0, ms),
    );
    query.then(
      (value) => {
        clearTimeout(timer);
        if (grace === undefined) resolve(value);
        else {
          clearTimeout(grace);
          reject(new AppError('query_timeout', `statement cancelled by the warehouse after ${ms} ms`));
        }
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (grace === undefined) return reject(error);
        clearTimeout(grace);
        const sqlstate = (error as { code?: unknown }).code;
        reject(
          new AppError('query_timeout', `statement cancelled by the warehouse after ${ms} ms`, {
            cause: error,
            ...(typeof sqlstate === 'string' ? { sqlstate } : {}),
          }),
        );
      },
    );
  });
}

/** Maps postgres.js failures onto AppError; null for anything else (e.g. the caller's own errors). */
export function asWarehouseError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (!(error instanceof Error)) return null;
  const e = error as Error & { code?: string; severity?: string; errno?: string };
  if (e.severity !== undefined && e.code !== undefined) {
    const transient = TRANSIENT_SQLSTATES.has(e.code);
    return new AppError(transient ? 'warehouse_unavailable' : 'warehouse_query', e.message, {
      cause: error,
      sqlstate: e.code,
      retryable: transient,
    });
  }
  if ((e.code !== undefined && CONNECTION_CODES.has(e.code)) || isSocketFailure(e.message)) {
    return new AppError('warehouse_unavailable', `warehouse unreachable: ${e.message}`, { cause: error });
  }
  return null;
}

/** workerd reports socket failures as plain errors without a code. */
function isSocketFailure(message: string): boolean {
  return /network connection lost|connection (refused|reset|closed)|socket (has been )?closed|proxy request failed|stream was cancelled/i.test(
    message,
  );
}
