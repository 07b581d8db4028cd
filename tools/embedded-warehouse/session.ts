// One client connection: a DuckDB connection plus the protocol state (prepared statements, portals,
// transaction status) of the simple and extended query protocols.
import {
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResult,
  DuckDBTypeId,
  type DuckDBValue,
  ResultReturnType,
  StatementType,
} from '@duckdb/node-api';
import { commandTag, encoderFor, Oid, oidForType, oidForTypeId, type TextEncoder, typeSize } from './encode.ts';
import {
  decodeBind,
  decodeExecute,
  decodeParse,
  decodeTarget,
  type ErrorFields,
  type FieldDescription,
  type FrontendMessage,
  type MessageWriter,
  ProtocolError,
} from './protocol.ts';
import { castParameters, containsKeyword, leadingKeyword, tokenize } from './sql-text.ts';
import { sqlstateFor } from './sqlstate.ts';

/** What a session needs from its server. */
export interface SessionHost {
  /** Rewrites r2:// URLs and refuses what the warehouse does not allow; throws SqlError. */
  rewriteSql(sql: string): string;
  /** An error message as clients see it: local paths the rewrite introduced turned back into r2:// URLs. */
  publicMessage(message: string): string;
  /** Writes bytes to the client, resolving once the socket can take more. */
  send(bytes: Buffer): Promise<void>;
}

/** An error to report to the client with a given SQLSTATE. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

interface PreparedEntry {
  readonly sql: string;
  readonly keyword: string;
  /** Null for an empty query string. */
  readonly prepared: DuckDBPreparedStatement | null;
  readonly declaredOids: readonly number[];
  readonly paramTypeIds: readonly DuckDBTypeId[];
  readonly returnsRows: boolean;
}

interface Portal {
  readonly entry: PreparedEntry;
  readonly values: readonly (string | null)[];
  /** Set while a portal is suspended part way through its rows. */
  cursor: Cursor | null;
}

interface Cursor {
  readonly result: DuckDBResult;
  readonly encoders: readonly TextEncoder[];
  pending: DuckDBValue[][];
  sent: number;
}

type TxStatus = 'I' | 'T' | 'E';

/** How often a pending cancel is repeated until the statement it is for has ended. */
const CANCEL_REPEAT_MS = 20;
const ROWS_PER_FLUSH = 2048;
const FLUSH_BYTES = 256 * 1024;

/** Statement types whose result is a row set (DML only with RETURNING). */
const ROW_STATEMENTS = new Set<StatementType>([
  StatementType.SELECT,
  StatementType.EXPLAIN,
  StatementType.PRAGMA,
  StatementType.CALL,
  StatementType.EXECUTE,
  StatementType.RELATION,
]);
const FILE_STATEMENTS = new Set<StatementType>([
  StatementType.COPY,
  StatementType.COPY_DATABASE,
  StatementType.EXPORT,
  StatementType.ATTACH,
  StatementType.LOAD,
  StatementType.EXTENSION,
  StatementType.UPDATE_EXTENSIONS,
]);
const DML_STATEMENTS = new Set<StatementType>([
  StatementType.INSERT,
  StatementType.UPDATE,
  StatementType.DELETE,
  StatementType.MERGE_INTO,
]);

const UNKNOWN_PARAM_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.INVALID,
  DuckDBTypeId.ANY,
  DuckDBTypeId.SQLNULL,
  DuckDBTypeId.STRING_LITERAL,
  DuckDBTypeId.INTEGER_LITERAL,
]);

export class Session {
  private status: TxStatus = 'I';
  private readonly statements = new Map<string, PreparedEntry>();
  private readonly portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped until Sync. */
  private skippingToSync = false;
  /** Between the first message after a ReadyForQuery and the next: what a CancelRequest cancels. */
  private busy = false;
  private cancelling: ReturnType<typeof setInterval> | null = null;

  private readonly conn: DuckDBConnection;
  private readonly out: MessageWriter;
  private readonly host: SessionHost;

  constructor(conn: DuckDBConnection, out: MessageWriter, host: SessionHost) {
    this.conn = conn;
    this.out = out;
    this.host = host;
  }

  get transactionStatus(): TxStatus {
    return this.status;
  }

  /**
   * A CancelRequest. As in Postgres it cancels what the client sent since its last ReadyForQuery: DuckDB
   * forgets an interrupt that comes before its statement starts (the statement may still be waiting for
   * its turn or its parameters), so the interrupt is repeated until the next ReadyForQuery.
   */
  interrupt(): void {
    this.conn.interrupt();
    if (!this.busy || this.cancelling) return;
    this.cancelling = setInterval(() => this.conn.interrupt(), CANCEL_REPEAT_MS);
    this.cancelling.unref();
  }

  /** ReadyForQuery goes out: a cancel sent from now on is for what comes next. */
  private ready(): void {
    this.busy = false;
    this.stopCancelling();
    this.out.readyForQuery(this.status);
  }

  private stopCancelling(): void {
    if (this.cancelling) clearInterval(this.cancelling);
    this.cancelling = null;
  }

  close(): void {
    this.stopCancelling();
    for (const entry of this.statements.values()) entry.prepared?.destroySync();
    this.statements.clear();
    this.portals.clear();
    this.conn.closeSync();
  }

  /** Handles one frontend message; returns false when the client asked to terminate. */
  async handle(msg: FrontendMessage): Promise<boolean> {
    if (msg.type === 'X') return false;
    if (msg.type !== 'S') this.busy = true;
    if (this.skippingToSync && msg.type !== 'S') return true;
    try {
      switch (msg.type) {
        case 'Q':
          await this.simpleQuery(msg.body.toString('utf8', 0, msg.body.length - 1));
          break;
        case 'P':
          await this.parse(msg.body);
          break;
        case 'B':
          this.bind(msg.body);
          break;
        case 'D':
          this.describe(msg.body);
          break;
        case 'E':
          await this.execute(msg.body);
          break;
        case 'C':
          this.closeTarget(msg.body);
          break;
        case 'S':
          this.skippingToSync = false;
          this.ready();
          await this.flush();
          break;
        case 'H':
          await this.flush();
          break;
        case 'F':
          throw new SqlError('0A000', 'the function call protocol is not supported');
        case 'd':
        case 'c':
        case 'f':
          throw new SqlError('08P01', 'COPY is not supported by this warehouse');
        default:
          throw new ProtocolError(`unexpected message type '${msg.type}'`);
      }
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      // An error ends what a cancel was for (the rest up to Sync is skipped), and must not meet it again.
      this.stopCancelling();
      await this.reportError(error);
      // The error goes out at once: a client waiting on a Flush-ed Describe sends Sync only after it.
      if (msg.type === 'Q') this.ready();
      else this.skippingToSync = true;
      await this.flush();
    }
    return true;
  }

  private async flush(): Promise<void> {
    if (this.out.size > 0) await this.host.send(this.out.flush());
  }

  private async reportError(error: unknown): Promise<void> {
    const raw = toErrorFields(error);
    const fields = { ...raw, message: this.host.publicMessage(raw.message) };
    if (this.status === 'T') this.status = (await this.transactionAborted()) ? 'E' : 'T';
    this.out.error(fields);
  }

  /** DuckDB aborts a transaction on most, not all, errors; ask it rather than guess. */
  private async transactionAborted(): Promise<boolean> {
    try {
      await this.conn.run('SELECT 1');
      return false;
    } catch {
      return true;
    }
  }

  // ---- simple query protocol -------------------------------------------------------------

  private async simpleQuery(text: string): Promise<void> {
    const statements = splitStatements(text);
    if (statements.length === 0) {
      this.out.emptyQueryResponse();
    } else {
      const rewritten = statements.map((s) => this.host.rewriteSql(s));
      // The refusals judged each statement as split here; DuckDB must see the same statements.
      if ((await this.conn.extractStatements(text)).count !== statements.length) {
        throw new SqlError('42601', 'the statements in this query could not be told apart unambiguously');
      }
      for (const sql of rewritten) {
        const keyword = leadingKeyword(sql);
        const result = await this.conn.stream(sql);
        if (result.returnType === ResultReturnType.QUERY_RESULT) {
          const encoders = describeResult(result, this.out);
          const sent = await this.sendRows(result, encoders, [], 0);
          this.out.commandComplete(rowsTag(keyword, sent.sent));
        } else {
          this.out.commandComplete(this.completeTag(keyword, sql, result));
        }
        this.trackTransaction(keyword);
      }
    }
    this.ready();
    await this.flush();
  }

  // ---- extended query protocol ------------------------------------------------------------

  private async parse(body: Buffer): Promise<void> {
    const msg = decodeParse(body);
    if (msg.statement !== '' && this.statements.has(msg.statement)) {
      throw new SqlError('42P05', `prepared statement "${msg.statement}" already exists`);
    }
    const parts = splitStatements(msg.sql);
    if (parts.length > 1) throw new SqlError('42601', 'cannot insert multiple commands into a prepared statement');
    const rewritten = parts.length === 0 ? '' : this.host.rewriteSql(parts[0] as string);
    const { sql, prepared, paramTypeIds } = await this.prepareTyped(rewritten, msg.paramTypes);
    if (prepared && FILE_STATEMENTS.has(prepared.statementType)) {
      // Behind the keyword refusals (server.ts), DuckDB's own parser has the last word.
      prepared.destroySync();
      throw new SqlError('42501', 'statements that write files or open other databases are not allowed here');
    }
    const entry: PreparedEntry = {
      sql,
      keyword: leadingKeyword(sql),
      prepared,
      declaredOids: msg.paramTypes,
      paramTypeIds,
      returnsRows: prepared !== null && returnsRows(prepared, sql),
    };
    this.dropStatement(msg.statement);
    this.statements.set(msg.statement, entry);
    this.out.parseComplete();
  }

  /**
   * Prepares a statement so every parameter has a type. Where DuckDB cannot infer one (`SELECT $1`),
   * the parameter gets the client's declared type, else VARCHAR, as PostgreSQL treats unknown as text.
   */
  private async prepareTyped(
    text: string,
    declared: readonly number[],
  ): Promise<{ sql: string; prepared: DuckDBPreparedStatement | null; paramTypeIds: DuckDBTypeId[] }> {
    if (text === '') return { sql: '', prepared: null, paramTypeIds: [] };
    let sql = text;
    let prepared = await this.conn.prepare(sql);
    const unknown = paramTypes(prepared).flatMap((id, i) => (UNKNOWN_PARAM_TYPES.has(id) ? [i + 1] : []));
    if (unknown.length > 0) {
      prepared.destroySync();
      const missing = new Set(unknown);
      sql = castParameters(text, (n) => (missing.has(n) ? duckTypeForOid(declared[n - 1] ?? 0) : undefined));
      prepared = await this.conn.prepare(sql);
    }
    return { sql, prepared, paramTypeIds: paramTypes(prepared) };
  }

  private bind(body: Buffer): void {
    const msg = decodeBind(body);
    const entry = this.statements.get(msg.statement);
    if (!entry) throw new SqlError('26000', `prepared statement "${msg.statement}" does not exist`);
    if (msg.paramFormats.some((f) => f !== 0)) throw new SqlError('0A000', 'binary parameter format is not supported');
    if (msg.resultFormats.some((f) => f !== 0)) throw new SqlError('0A000', 'binary result format is not supported');
    if (msg.params.length !== entry.paramTypeIds.length) {
      throw new SqlError(
        '08P01',
        `bind message supplies ${msg.params.length} parameters, but prepared statement "${msg.statement}" requires ${entry.paramTypeIds.length}`,
      );
    }
    this.portals.set(msg.portal, {
      entry,
      values: msg.params.map((p) => (p === null ? null : p.toString('utf8'))),
      cursor: null,
    });
    this.out.bindComplete();
  }

  private describe(body: Buffer): void {
    const target = decodeTarget(body);
    const entry = target.kind === 'S' ? this.statements.get(target.name) : this.portals.get(target.name)?.entry;
    if (!entry) {
      throw target.kind === 'S'
        ? new SqlError('26000', `prepared statement "${target.name}" does not exist`)
        : new SqlError('34000', `portal "${target.name}" does not exist`);
    }
    if (target.kind === 'S') {
      this.out.parameterDescription(
        entry.paramTypeIds.map((id, i) => {
          const declared = entry.declaredOids[i] ?? 0;
          return declared !== 0 ? declared : paramOid(entry.prepared, i + 1, id);
        }),
      );
    }
    if (entry.prepared && entry.returnsRows) this.out.rowDescription(preparedFields(entry.prepared));
    else this.out.noData();
  }

  private async execute(body: Buffer): Promise<void> {
    const { portal: name, maxRows } = decodeExecute(body);
    const portal = this.portals.get(name);
    if (!portal) throw new SqlError('34000', `portal "${name}" does not exist`);
    const { entry } = portal;
    if (!entry.prepared) {
      this.out.emptyQueryResponse();
      return;
    }
    if (!portal.cursor) {
      bindValues(entry, portal.values);
      const result = await entry.prepared.stream();
      if (!(entry.returnsRows && result.returnType === ResultReturnType.QUERY_RESULT)) {
        this.out.commandComplete(this.completeTag(entry.keyword, entry.sql, result));
        this.trackTransaction(entry.keyword);
        return;
      }
      portal.cursor = { result, encoders: columnEncoders(result), pending: [], sent: 0 };
    }
    const cursor = portal.cursor;
    const state = await this.sendRows(cursor.result, cursor.encoders, cursor.pending, maxRows);
    cursor.pending = state.pending;
    cursor.sent += state.sent;
    if (state.suspended) {
      this.out.portalSuspended();
    } else {
      portal.cursor = null;
      this.out.commandComplete(rowsTag(entry.keyword, cursor.sent));
    }
  }

  private closeTarget(body: Buffer): void {
    const target = decodeTarget(body);
    if (target.kind === 'S') this.dropStatement(target.name);
    else this.portals.delete(target.name);
    this.out.closeComplete();
  }

  private dropStatement(name: string): void {
    const old = this.statements.get(name);
    if (!old) return;
    this.statements.delete(name);
    for (const [portalName, portal] of this.portals) if (portal.entry === old) this.portals.delete(portalName);
    old.prepared?.destroySync();
  }

  // ---- shared ---------------------------------------------------------------------------

  /**
   * Streams rows as DataRow messages, flushing to the socket as it goes.
   * With maxRows > 0 stops after that many and reports the leftovers for the next Execute.
   */
  private async sendRows(
    result: DuckDBResult,
    encoders: readonly TextEncoder[],
    carried: DuckDBValue[][],
    maxRows: number,
  ): Promise<{ sent: number; pending: DuckDBValue[][]; suspended: boolean }> {
    let sent = 0;
    let pending = carried;
    const limit = maxRows > 0 ? maxRows : Number.POSITIVE_INFINITY;
    const line: (string | null)[] = new Array(encoders.length);
    for (;;) {
      if (pending.length === 0) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return { sent, pending: [], suspended: false };
        pending = chunk.getRows();
      }
      let i = 0;
      for (; i < pending.length && sent < limit; i++, sent++) {
        const row = pending[i] as DuckDBValue[];
        for (let c = 0; c < encoders.length; c++) line[c] = (encoders[c] as TextEncoder)(row[c] as DuckDBValue);
        this.out.dataRow(line);
        if (sent % ROWS_PER_FLUSH === 0 && this.out.size > FLUSH_BYTES) await this.flush();
      }
      pending = pending.slice(i);
      if (sent >= limit) {
        // Peek so an exactly exhausted portal completes instead of suspending on nothing.
        if (pending.length === 0) {
          const chunk = await result.fetchChunk();
          if (!chunk || chunk.rowCount === 0) return { sent, pending: [], suspended: false };
          pending = chunk.getRows();
        }
        return { sent, pending, suspended: true };
      }
    }
  }

  private completeTag(keyword: string, sql: string, result: DuckDBResult): string {
    if (result.returnType === ResultReturnType.CHANGED_ROWS) {
      return commandTag(keyword === 'WITH' ? dmlKeyword(sql) : keyword, result.rowsChanged);
    }
    return statusTag(keyword, sql, this.status);
  }

  private trackTransaction(keyword: string): void {
    if (keyword === 'BEGIN' || keyword === 'START') this.status = 'T';
    else if (keyword === 'COMMIT' || keyword === 'END' || keyword === 'ROLLBACK' || keyword === 'ABORT') {
      this.status = 'I';
    }
  }
}

/** Splits a query string on top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let significant = false;
  for (const t of tokenize(sql)) {
    if (t.kind === 'other' && sql[t.start] === ';') {
      if (significant) out.push(sql.slice(start, t.start));
      start = t.end;
      significant = false;
    } else significant = true;
  }
  if (significant) out.push(sql.slice(start));
  return out;
}

function returnsRows(prepared: DuckDBPreparedStatement, sql: string): boolean {
  const type = prepared.statementType;
  if (ROW_STATEMENTS.has(type)) return !(type === StatementType.CALL && leadingKeyword(sql) === 'CHECKPOINT');
  if (DML_STATEMENTS.has(type)) return containsKeyword(sql, 'RETURNING');
  return false;
}

function preparedFields(prepared: DuckDBPreparedStatement): FieldDescription[] {
  const fields: FieldDescription[] = [];
  for (let i = 0; i < prepared.columnCount; i++) {
    let oid: number;
    try {
      oid = oidForType(prepared.columnType(i));
    } catch {
      oid = oidForTypeId(prepared.columnTypeId(i));
    }
    fields.push({ name: prepared.columnName(i), typeOid: oid, typeSize: typeSize(oid) });
  }
  return fields;
}

function columnEncoders(result: DuckDBResult): TextEncoder[] {
  const encoders: TextEncoder[] = [];
  for (let i = 0; i < result.columnCount; i++) encoders.push(encoderFor(result.columnType(i)));
  return encoders;
}

function describeResult(result: DuckDBResult, out: MessageWriter): TextEncoder[] {
  const fields: FieldDescription[] = [];
  for (let i = 0; i < result.columnCount; i++) {
    const oid = oidForType(result.columnType(i));
    fields.push({ name: result.columnName(i), typeOid: oid, typeSize: typeSize(oid) });
  }
  out.rowDescription(fields);
  return columnEncoders(result);
}

/** Binds text parameters; DuckDB casts each to the parameter's type, as PostgreSQL does for text input. */
function bindValues(entry: PreparedEntry, values: readonly (string | null)[]): void {
  const stmt = entry.prepared as DuckDBPreparedStatement;
  stmt.clearBindings();
  values.forEach((value, i) => {
    const index = i + 1;
    if (value === null) stmt.bindNull(index);
    else if (entry.paramTypeIds[i] === DuckDBTypeId.BLOB) stmt.bindBlob(index, decodeBytea(value));
    else stmt.bindVarchar(index, value);
  });
}

function paramTypes(prepared: DuckDBPreparedStatement): DuckDBTypeId[] {
  const ids: DuckDBTypeId[] = [];
  for (let i = 1; i <= prepared.parameterCount; i++) {
    try {
      ids.push(prepared.parameterTypeId(i));
    } catch {
      ids.push(DuckDBTypeId.INVALID);
    }
  }
  return ids;
}

/**
 * The OID announced for a parameter. Nested types are announced as text so a client sends its string
 * as is (DuckDB parses '[1,2]' or '{a: 1}' itself) instead of JSON-encoding it a second time.
 */
function paramOid(prepared: DuckDBPreparedStatement | null, index: number, id: DuckDBTypeId): number {
  if (prepared) {
    try {
      const type = prepared.parameterType(index);
      if (type.alias === 'JSON') return Oid.json;
    } catch {
      // Type not resolvable: fall through to the id.
    }
  }
  const oid = oidForTypeId(id);
  return oid === Oid.json ? Oid.text : oid;
}

/** DuckDB type for a parameter the client declared (postgres.js declares dates, booleans, bigints, bytea). */
function duckTypeForOid(oid: number): string {
  switch (oid) {
    case Oid.bool:
      return 'BOOLEAN';
    case Oid.int2:
    case Oid.int4:
      return 'INTEGER';
    case Oid.int8:
      return 'BIGINT';
    case Oid.float4:
    case Oid.float8:
      return 'DOUBLE';
    case Oid.date:
      return 'DATE';
    case Oid.timestamp:
      return 'TIMESTAMP';
    case Oid.timestamptz:
      return 'TIMESTAMPTZ';
    case Oid.bytea:
      return 'BLOB';
    case Oid.json:
    case Oid.jsonb:
      return 'JSON';
    case Oid.uuid:
      return 'UUID';
    default:
      return 'VARCHAR';
  }
}

/** PostgreSQL bytea text input: hex (`\x0102`) or the old escape format. */
export function decodeBytea(text: string): Uint8Array {
  if (text.startsWith('\\x')) {
    const hex = text.slice(2);
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new SqlError('22P02', 'invalid hexadecimal data for bytea');
    return Buffer.from(hex, 'hex');
  }
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 && text[i + 1] === '\\') {
      bytes.push(92);
      i++;
    } else if (c === 92 && /^[0-7]{3}$/.test(text.slice(i + 1, i + 4))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      for (const b of Buffer.from(text[i] as string, 'utf8')) bytes.push(b);
    }
  }
  return Uint8Array.from(bytes);
}

function rowsTag(keyword: string, rows: number): string {
  if (keyword === 'INSERT' || keyword === 'UPDATE' || keyword === 'DELETE' || keyword === 'MERGE') {
    return commandTag(keyword, rows);
  }
  return `SELECT ${rows}`;
}

function dmlKeyword(sql: string): string {
  for (const t of tokenize(sql)) {
    if (t.kind === 'word' && (t.value === 'INSERT' || t.value === 'UPDATE' || t.value === 'DELETE')) return t.value;
  }
  return 'SELECT';
}

const OBJECT_WORDS = new Set([
  'TABLE',
  'VIEW',
  'INDEX',
  'SCHEMA',
  'SEQUENCE',
  'MACRO',
  'FUNCTION',
  'TYPE',
  'SECRET',
  'DATABASE',
]);

/** PostgreSQL-style tags for statements without a row count (CREATE TABLE, BEGIN, SET, ...). */
function statusTag(keyword: string, sql: string, status: TxStatus): string {
  switch (keyword) {
    case 'START':
      return 'BEGIN';
    case 'END':
    case 'COMMIT':
      return status === 'E' ? 'ROLLBACK' : 'COMMIT';
    case 'ABORT':
      return 'ROLLBACK';
    case 'CREATE':
    case 'DROP':
    case 'ALTER': {
      for (const t of tokenize(sql)) {
        if (t.kind === 'word' && OBJECT_WORDS.has(t.value)) return `${keyword} ${t.value}`;
      }
      return keyword;
    }
    case '':
      return 'SELECT 0';
    default:
      return keyword;
  }
}

function toErrorFields(error: unknown): ErrorFields {
  if (error instanceof SqlError) return { severity: 'ERROR', code: error.code, message: error.message };
  // node-api wraps some DuckDB errors in a generic prefix; the DuckDB message after it is what users need.
  const message = (error instanceof Error ? error.message : String(error)).replace(
    /^Failed to [a-z ]+: (?=\w[\w ]* Error: )/,
    '',
  );
  return { severity: 'ERROR', code: sqlstateFor(message), message };
}
