// The embedded warehouse: DuckDB behind the PostgreSQL wire protocol, standing in for MotherDuck's
// Postgres endpoint on a laptop (DuckDB SQL, token as password, r2:// reads from local directories).
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { basename, dirname, extname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { MessageReader, MessageWriter, ProtocolError, type StartupPacket } from './protocol.ts';
import { type R2Directories, R2PathError, resolveR2Url } from './r2-paths.ts';
import { Session, SqlError } from './session.ts';
import { containsKeyword, leadingKeyword, mentionedName, rewriteFileLiterals } from './sql-text.ts';

export interface WarehouseServerOptions {
  /** DuckDB database file, or ':memory:'. */
  readonly databasePath: string;
  /** Loopback address to listen on; anything else is refused. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The password clients must present (MotherDuck's token in production). */
  readonly token: string;
  /** Local directory standing in for each R2 bucket. */
  readonly r2Directories: R2Directories;
  readonly maxConnections?: number;
  readonly log?: (line: string) => void;
  /** Also log every connection opening and closing. */
  readonly logConnections?: boolean;
  /** DuckDB memory_limit, e.g. '4GB' (DuckDB's default is 80% of RAM). */
  readonly memoryLimit?: string;
}

export interface WarehouseServer {
  readonly url: (database?: string) => string;
  readonly port: number;
  readonly host: string;
  readonly databasePath: string;
  /** Number of open client connections. */
  connections(): number;
  /** Disconnects clients, checkpoints the database and closes it. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Starts DuckDB and the wire protocol listener; resolves once it accepts connections. */
export async function startWarehouseServer(options: WarehouseServerOptions): Promise<WarehouseServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new Error(`the embedded warehouse only listens on loopback, not '${host}'`);
  if (options.token.length < 16) throw new Error('the warehouse token must be at least 16 characters');
  const log = options.log ?? (() => {});
  const instance = await openDatabase(
    options.databasePath,
    Object.values(options.r2Directories),
    options.memoryLimit ?? '4GB',
  );
  const tokenDigest = digest(options.token);
  const maxConnections = options.maxConnections ?? 64;

  const inMemory = options.databasePath === ':memory:';
  const fileCatalog = inMemory ? '' : catalogNameForFile(options.databasePath);
  /**
   * MotherDuck picks the database from the connection's database name. A file-backed warehouse has
   * exactly one; an in-memory one (tests) creates an empty database per name, so test files stay apart.
   */
  const attaching = new Map<string, Promise<void>>();
  const useDatabase = async (conn: DuckDBConnection, database: string): Promise<void> => {
    if (!inMemory) {
      if (database !== fileCatalog) {
        throw new Error(`database "${database}" does not exist (this warehouse serves "${fileCatalog}")`);
      }
      return;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(database)) {
      throw new Error(`invalid database name "${database}": use letters, digits and underscores`);
    }
    // NOTE: concurrent ATTACH IF NOT EXISTS of one name races inside DuckDB; attach each name once.
    let attached = attaching.get(database);
    if (!attached) {
      attached = conn.run(`ATTACH IF NOT EXISTS ':memory:' AS "${database}"`).then(() => undefined);
      attaching.set(database, attached);
      attached.catch(() => attaching.delete(database));
    }
    await attached;
    await conn.run(`USE "${database}"`);
  };

  const sessions = new Map<number, { secret: number; session: Session | null; socket: Socket }>();
  let closing = false;

  const rewriteSql = (sql: string): string => {
    const keyword = leadingKeyword(sql);
    // EXPLAIN ANALYZE and PREPARE run the statement they wrap, so they are judged by it.
    const refused =
      (REFUSED_STATEMENTS.has(keyword)
        ? keyword
        : WRAPPING_STATEMENTS.has(keyword)
          ? [...REFUSED_STATEMENTS].find((k) => containsKeyword(sql, k))
          : undefined) ?? mentionedName(sql, REFUSED_FUNCTIONS);
    if (refused !== undefined) {
      throw new SqlError(
        '42501',
        `${refused} is not allowed here: the warehouse reads r2:// objects and writes only its own database`,
      );
    }
    return rewriteFileLiterals(sql, (value) => {
      if (!value.startsWith('r2://')) return undefined;
      try {
        return resolveR2Url(value, options.r2Directories);
      } catch (error) {
        if (error instanceof R2PathError) throw new SqlError('58P01', error.message);
        throw error;
      }
    });
  };

  // Longest directory first, so a bucket directory inside another maps to its own bucket.
  const bucketPaths = Object.entries(options.r2Directories)
    .map(([bucket, dir]) => ({ bucket, dir: resolve(dir) }))
    .sort((a, b) => b.dir.length - a.dir.length);
  // DuckDB's "LINE 1: ..." excerpt quotes the rewritten statement, cut short, so a path may survive there
  // in part: such an excerpt is dropped (its caret points into text the client never sent anyway).
  const partialPath = (excerpt: string): boolean =>
    bucketPaths.some(({ dir }) => {
      const at = excerpt.indexOf(`'${dir.slice(0, 8)}`);
      return at >= 0 && dir.startsWith(excerpt.slice(at + 1).split(/\.\.\.|'/)[0] as string);
    });
  const publicMessage = (message: string): string => {
    const text = bucketPaths.reduce((t, { bucket, dir }) => t.replaceAll(`${dir}/`, `r2://${bucket}/`), message);
    const cut = text.search(/\n\s*LINE \d+:/);
    return cut >= 0 && partialPath(text.slice(cut)) ? text.slice(0, cut) : text;
  };

  const serve = async (socket: Socket): Promise<void> => {
    socket.setNoDelay(true);
    socket.setTimeout(LOGIN_TIMEOUT_MS, () => socket.destroy());
    const reader = new MessageReader();
    const out = new MessageWriter();
    socket.on('data', (chunk) => reader.push(chunk));
    socket.on('end', () => reader.end());
    socket.on('close', () => reader.end());
    socket.on('error', () => reader.end());
    const send = (bytes: Buffer): Promise<void> =>
      new Promise((resolve) => {
        if (socket.destroyed) return resolve();
        if (socket.write(bytes)) resolve();
        else socket.once('drain', resolve).once('close', resolve);
      });

    let pid = 0;
    try {
      let packet: StartupPacket | null = await reader.readStartup();
      while (packet && (packet.kind === 'ssl' || packet.kind === 'gssenc')) {
        // NOTE: loopback only, so no TLS; 'N' tells the client to continue in plain text.
        await send(out.rawByte('N').flush());
        packet = await reader.readStartup();
      }
      if (!packet) return;
      if (packet.kind === 'cancel') {
        const target = sessions.get(packet.pid);
        if (target && target.secret === packet.secret) target.session?.interrupt();
        return;
      }
      if (packet.kind === 'unsupported') {
        out.error({
          severity: 'FATAL',
          code: '0A000',
          message: `unsupported frontend protocol ${packet.code >> 16}.${packet.code & 0xffff}`,
        });
        return;
      }
      const user = packet.params.user ?? 'postgres';
      const database = packet.params.database ?? user;
      if (closing) {
        out.error({ severity: 'FATAL', code: '57P03', message: 'the warehouse is shutting down' });
        return;
      }
      if (sessions.size >= maxConnections) {
        out.error({ severity: 'FATAL', code: '53300', message: `too many connections (limit ${maxConnections})` });
        return;
      }
      await send(out.authCleartext().flush());
      // Before the token is checked, a peer gets a small message and little time.
      const password = await reader.read(PASSWORD_MAX_BYTES);
      if (!password) return;
      if (password.type !== 'p') throw new ProtocolError(`expected a password message, got '${password.type}'`);
      const given = password.body.subarray(0, Math.max(0, password.body.length - 1)).toString('utf8');
      if (!timingSafeEqual(digest(given), tokenDigest)) {
        log(`warehouse: rejected a connection for user "${user}" (wrong token)`);
        out.error({ severity: 'FATAL', code: '28P01', message: `password authentication failed for user "${user}"` });
        return;
      }

      do pid = randomInt(1, 2 ** 31 - 1);
      while (sessions.has(pid));
      const secret = randomInt(0, 2 ** 31 - 1);
      sessions.set(pid, { secret, session: null, socket });
      socket.setTimeout(0);
      const conn = await instance.connect();
      try {
        await useDatabase(conn, database);
      } catch (error) {
        conn.closeSync();
        const message = error instanceof Error ? error.message : String(error);
        out.error({ severity: 'FATAL', code: '3D000', message });
        return;
      }
      const session = new Session(conn, out, { rewriteSql, publicMessage, send });
      const entry = sessions.get(pid);
      if (entry) entry.session = session;
      out.authOk();
      for (const [name, value] of Object.entries(parameterStatus(user, packet.params.application_name))) {
        out.parameterStatus(name, value);
      }
      out.backendKeyData(pid, secret).readyForQuery('I');
      await send(out.flush());
      if (options.logConnections) log(`warehouse: connection ${pid} opened (user "${user}", database "${database}")`);

      try {
        for (;;) {
          const msg = await reader.read();
          if (!msg || !(await session.handle(msg))) break;
        }
      } finally {
        session.close();
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        out.error({ severity: 'FATAL', code: '08P01', message: error.message });
      } else {
        log(`warehouse: connection ${pid} failed: ${error instanceof Error ? error.message : String(error)}`);
        out.error({ severity: 'FATAL', code: 'XX000', message: 'internal error in the embedded warehouse' });
      }
    } finally {
      if (out.size > 0 && !socket.destroyed) socket.write(out.flush());
      socket.end();
      if (pid !== 0) {
        sessions.delete(pid);
        if (options.logConnections) log(`warehouse: connection ${pid} closed`);
      }
    }
  };

  const server: Server = createServer((socket) => {
    serve(socket).catch((error: unknown) => {
      log(`warehouse: ${error instanceof Error ? error.message : String(error)}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    host,
    port: address.port,
    databasePath: options.databasePath,
    url: (database = inMemory ? 'living_schema' : fileCatalog) =>
      `postgres://postgres:${encodeURIComponent(options.token)}@${host === '::1' ? '[::1]' : host}:${address.port}/${database}`,
    connections: () => sessions.size,
    close: async () => {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { session, socket } of sessions.values()) {
        session?.interrupt();
        const bye = new MessageWriter()
          .error({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' })
          .flush();
        socket.end(bye);
        setTimeout(() => socket.destroy(), 2000).unref();
      }
      await closed;
      // Sessions close their DuckDB connections as their sockets finish; give them a moment.
      for (let i = 0; i < 100 && sessions.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
      if (options.databasePath !== ':memory:') {
        const conn = await instance.connect();
        try {
          await conn.run('CHECKPOINT');
        } finally {
          conn.closeSync();
        }
      }
      instance.closeSync();
      log('warehouse: closed');
    },
  };
}

/**
 * Statements that write files or open other databases. DuckDB's allowed_directories, which lets the
 * warehouse read the bucket directories, would let them write there too (a planted object, an attached
 * database, an extension to LOAD).
 */
const REFUSED_STATEMENTS = new Set(['ATTACH', 'COPY', 'EXPORT', 'IMPORT', 'INSTALL', 'LOAD', 'FORCE']);
const PASSWORD_MAX_BYTES = 4096;
const LOGIN_TIMEOUT_MS = 30_000;
const WRAPPING_STATEMENTS = new Set(['EXPLAIN', 'PREPARE']);
/**
 * Functions that write files (`CALL enable_logging(storage = 'file', ...)`, `enable_profiling(save_location
 * = ...)`) or run statements refused above, wherever they appear.
 */
const REFUSED_FUNCTIONS = ['ENABLE_LOGGING', 'ENABLE_PROFILING', 'ENABLE_PROFILE', 'COPY_DATABASE', 'IMPORT_DATABASE'];

async function openDatabase(path: string, r2Dirs: readonly string[], memoryLimit: string): Promise<DuckDBInstance> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  for (const dir of r2Dirs) mkdirSync(dir, { recursive: true });
  const instance = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false' });
  const setup = await instance.connect();
  try {
    await setup.run("SET GLOBAL TimeZone = 'UTC'");
    await setup.run(`SET GLOBAL memory_limit = '${memoryLimit.replaceAll("'", '')}'`);
    const dirs = r2Dirs.map((d) => `'${(d.endsWith('/') ? d : `${d}/`).replaceAll("'", "''")}'`).join(', ');
    await setup.run(`SET allowed_directories = [${dirs}]`);
    // NOTE: instance-wide and irreversible: from here SQL can read only the bucket directories.
    await setup.run('SET enable_external_access = false');
    // Nor can it change settings, some of which write files (profiling_output, logging_storage).
    await setup.run('SET lock_configuration = true');
  } finally {
    setup.closeSync();
  }
  return instance;
}

function parameterStatus(user: string, applicationName: string | undefined): Record<string, string> {
  return {
    server_version: '16.0 (living-schema embedded DuckDB)',
    server_encoding: 'UTF8',
    client_encoding: 'UTF8',
    DateStyle: 'ISO, MDY',
    IntervalStyle: 'postgres',
    TimeZone: 'UTC',
    integer_datetimes: 'on',
    standard_conforming_strings: 'on',
    is_superuser: 'off',
    session_authorization: user,
    application_name: applicationName ?? '',
  };
}

/** DuckDB names a file's catalog after the file's base name. */
export function catalogNameForFile(path: string): string {
  return basename(path, extname(path));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
