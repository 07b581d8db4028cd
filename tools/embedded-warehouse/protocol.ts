// PostgreSQL v3 wire protocol framing: a pull reader for frontend messages and a builder for backend ones.
// Only what a libpq/postgres.js client sends is decoded; see https://www.postgresql.org/docs/current/protocol-message-formats.html

export const PROTOCOL_V3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Longest frontend message we accept; a bigger length prefix means garbage or abuse. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export type StartupPacket =
  | { kind: 'startup'; params: Record<string, string> }
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; pid: number; secret: number }
  | { kind: 'unsupported'; code: number };

export interface FrontendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Accumulates socket chunks and hands out whole messages in order. */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter: (() => void) | null = null;
  private ended = false;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Bytes waiting to be parsed; used to pause the socket under load. */
  get pending(): number {
    return this.buffered;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private async need(n: number): Promise<boolean> {
    while (this.buffered < n) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return true;
  }

  private take(n: number): Buffer {
    const head = this.chunks[0] as Buffer;
    const out = head.subarray(0, n);
    const rest = head.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return out;
  }

  /** The untyped first packet (startup, SSL/GSS request or cancel). Null when the peer went away. */
  async readStartup(): Promise<StartupPacket | null> {
    if (!(await this.need(4))) return null;
    const len = (this.chunks[0] as Buffer).readInt32BE(0);
    if (len < 8 || len > 10_000) throw new ProtocolError(`invalid startup packet length ${len}`);
    if (!(await this.need(len))) return null;
    const packet = this.take(len);
    const code = packet.readInt32BE(4);
    if (code === SSL_REQUEST) return { kind: 'ssl' };
    if (code === GSSENC_REQUEST) return { kind: 'gssenc' };
    if (code === CANCEL_REQUEST) return { kind: 'cancel', pid: packet.readInt32BE(8), secret: packet.readInt32BE(12) };
    if (code !== PROTOCOL_V3) return { kind: 'unsupported', code };
    const params: Record<string, string> = {};
    const parts = packet.subarray(8).toString('utf8').split('\0');
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const key = parts[i] as string;
      if (key === '') break;
      params[key] = parts[i + 1] as string;
    }
    return { kind: 'startup', params };
  }

  /** The next typed message, or null at end of stream; a longer one than `maxBytes` is a protocol error. */
  async read(maxBytes = MAX_MESSAGE_BYTES): Promise<FrontendMessage | null> {
    if (!(await this.need(5))) return null;
    const head = this.chunks[0] as Buffer;
    const type = String.fromCharCode(head[0] as number);
    const len = head.readInt32BE(1);
    if (len < 4 || len > maxBytes) throw new ProtocolError(`invalid length ${len} for message '${type}'`);
    if (!(await this.need(1 + len))) return null;
    const raw = this.take(1 + len);
    return { type, body: raw.subarray(5) };
  }
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Sequential decoder for one message body. */
export class BodyReader {
  private offset = 0;
  private readonly buf: Buffer;
  constructor(buf: Buffer) {
    this.buf = buf;
  }

  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError('unterminated string in message');
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    if (this.offset + n > this.buf.length) throw new ProtocolError('message shorter than its fields');
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  byte(): string {
    return String.fromCharCode(this.bytes(1)[0] as number);
  }
}

export interface ParseMessage {
  readonly statement: string;
  readonly sql: string;
  readonly paramTypes: readonly number[];
}

export function decodeParse(body: Buffer): ParseMessage {
  const r = new BodyReader(body);
  const statement = r.cstring();
  const sql = r.cstring();
  const n = r.int16();
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.uint32());
  return { statement, sql, paramTypes };
}

export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  readonly paramFormats: readonly number[];
  /** Raw parameter bytes; null for SQL NULL. */
  readonly params: readonly (Buffer | null)[];
  readonly resultFormats: readonly number[];
}

export function decodeBind(body: Buffer): BindMessage {
  const r = new BodyReader(body);
  const portal = r.cstring();
  const statement = r.cstring();
  const nFormats = r.int16();
  const paramFormats: number[] = [];
  for (let i = 0; i < nFormats; i++) paramFormats.push(r.int16());
  const nParams = r.int16() & 0xffff;
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < nParams; i++) {
    const len = r.int32();
    params.push(len < 0 ? null : r.bytes(len));
  }
  const nResult = r.int16();
  const resultFormats: number[] = [];
  for (let i = 0; i < nResult; i++) resultFormats.push(r.int16());
  return { portal, statement, paramFormats, params, resultFormats };
}

/** Describe and Close share a shape: 'S' statement or 'P' portal plus a name. */
export function decodeTarget(body: Buffer): { kind: 'S' | 'P'; name: string } {
  const r = new BodyReader(body);
  const kind = r.byte();
  if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`invalid describe/close target '${kind}'`);
  return { kind, name: r.cstring() };
}

export function decodeExecute(body: Buffer): { portal: string; maxRows: number } {
  const r = new BodyReader(body);
  return { portal: r.cstring(), maxRows: r.int32() };
}

export interface FieldDescription {
  readonly name: string;
  readonly typeOid: number;
  readonly typeSize: number;
}

/** Error and notice fields, keyed by their one-letter protocol codes. */
export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: number;
}

/**
 * Builds backend messages into one growing buffer so a whole response goes out in few writes.
 * Call `flush()` to take the bytes.
 */
export class MessageWriter {
  private buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  private len = 0;

  get size(): number {
    return this.len;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private begin(type: string): number {
    this.ensure(5);
    this.buf[this.len] = type.charCodeAt(0);
    const start = this.len + 1;
    this.len += 5;
    return start;
  }

  private finish(start: number): void {
    this.buf.writeInt32BE(this.len - start, start);
  }

  private int16(v: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.len);
    this.len += 2;
  }

  private int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.len);
    this.len += 4;
  }

  private uint32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.len);
    this.len += 4;
  }

  private cstring(s: string): void {
    const n = Buffer.byteLength(s);
    this.ensure(n + 1);
    this.buf.write(s, this.len, 'utf8');
    this.len += n;
    this.buf[this.len++] = 0;
  }

  private byte(c: string): void {
    this.ensure(1);
    this.buf[this.len++] = c.charCodeAt(0);
  }

  /** Raw single byte answer to SSLRequest/GSSENCRequest (not a typed message). */
  rawByte(c: string): this {
    this.byte(c);
    return this;
  }

  authCleartext(): this {
    const s = this.begin('R');
    this.int32(3);
    this.finish(s);
    return this;
  }

  authOk(): this {
    const s = this.begin('R');
    this.int32(0);
    this.finish(s);
    return this;
  }

  parameterStatus(name: string, value: string): this {
    const s = this.begin('S');
    this.cstring(name);
    this.cstring(value);
    this.finish(s);
    return this;
  }

  backendKeyData(pid: number, secret: number): this {
    const s = this.begin('K');
    this.int32(pid);
    this.int32(secret);
    this.finish(s);
    return this;
  }

  readyForQuery(status: 'I' | 'T' | 'E'): this {
    const s = this.begin('Z');
    this.byte(status);
    this.finish(s);
    return this;
  }

  parseComplete(): this {
    this.finish(this.begin('1'));
    return this;
  }

  bindComplete(): this {
    this.finish(this.begin('2'));
    return this;
  }

  closeComplete(): this {
    this.finish(this.begin('3'));
    return this;
  }

  noData(): this {
    this.finish(this.begin('n'));
    return this;
  }

  portalSuspended(): this {
    this.finish(this.begin('s'));
    return this;
  }

  emptyQueryResponse(): this {
    this.finish(this.begin('I'));
    return this;
  }

  parameterDescription(oids: readonly number[]): this {
    const s = this.begin('t');
    this.int16(oids.length);
    for (const oid of oids) this.uint32(oid);
    this.finish(s);
    return this;
  }

  rowDescription(fields: readonly FieldDescription[]): this {
    const s = this.begin('T');
    this.int16(fields.length);
    for (const f of fields) {
      this.cstring(f.name);
      this.int32(0); // table oid
      this.int16(0); // column attribute number
      this.uint32(f.typeOid);
      this.int16(f.typeSize);
      this.int32(-1); // type modifier
      this.int16(0); // text format
    }
    this.finish(s);
    return this;
  }

  /** One DataRow; each value is already text, or null for SQL NULL. */
  dataRow(values: readonly (string | null)[]): this {
    const s = this.begin('D');
    this.int16(values.length);
    for (const v of values) {
      if (v === null) {
        this.int32(-1);
        continue;
      }
      const n = Buffer.byteLength(v);
      this.ensure(4 + n);
      this.buf.writeInt32BE(n, this.len);
      this.buf.write(v, this.len + 4, 'utf8');
      this.len += 4 + n;
    }
    this.finish(s);
    return this;
  }

  commandComplete(tag: string): this {
    const s = this.begin('C');
    this.cstring(tag);
    this.finish(s);
    return this;
  }

  private fields(type: 'E' | 'N', f: ErrorFields): this {
    const s = this.begin(type);
    this.byte('S');
    this.cstring(f.severity);
    this.byte('V');
    this.cstring(f.severity);
    this.byte('C');
    this.cstring(f.code);
    this.byte('M');
    this.cstring(f.message);
    if (f.detail !== undefined) {
      this.byte('D');
      this.cstring(f.detail);
    }
    if (f.hint !== undefined) {
      this.byte('H');
      this.cstring(f.hint);
    }
    if (f.position !== undefined) {
      this.byte('P');
      this.cstring(String(f.position));
    }
    this.byte('\0');
    this.finish(s);
    return this;
  }

  error(f: ErrorFields): this {
    return this.fields('E', f);
  }

  notice(f: ErrorFields): this {
    return this.fields('N', f);
  }

  /** Takes everything written so far and resets the writer. */
  flush(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.len));
    this.len = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }
}
