// A bare PostgreSQL wire-protocol client for tests that assert exact message sequences.
import { connect, type Socket } from 'node:net';

export interface RawMessage {
  readonly type: string;
  readonly body: Buffer;
}

export interface Field {
  readonly name: string;
  readonly oid: number;
}

export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;
  private readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  /** Startup + cleartext password; returns every message up to the first ReadyForQuery or error. */
  static async login(
    port: number,
    token: string,
    database: string,
    user = 'postgres',
  ): Promise<{ client: RawClient; messages: RawMessage[] }> {
    const client = await RawClient.open(port);
    client.send(startupMessage({ user, database }));
    const auth = await client.next();
    if (auth.type !== 'R') return { client, messages: [auth] };
    client.send(message('p', cstr(token)));
    const messages = await client.until(['Z', 'E']);
    return { client, messages };
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next message; rejects if the server closes first. */
  async next(timeoutMs = 10_000): Promise<RawMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffer.length >= 5) {
        const len = this.buffer.readInt32BE(1);
        if (this.buffer.length >= 1 + len) {
          const type = String.fromCharCode(this.buffer[0] as number);
          const body = this.buffer.subarray(5, 1 + len);
          this.buffer = this.buffer.subarray(1 + len);
          return { type, body };
        }
      }
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('timed out waiting for a message');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Reads messages until one of `types` arrives (inclusive). */
  async until(types: readonly string[]): Promise<RawMessage[]> {
    const out: RawMessage[] = [];
    for (;;) {
      const m = await this.next();
      out.push(m);
      if (types.includes(m.type)) return out;
    }
  }

  /** Single raw byte (answer to SSLRequest). */
  async byte(): Promise<string> {
    while (this.buffer.length < 1) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    const b = String.fromCharCode(this.buffer[0] as number);
    this.buffer = this.buffer.subarray(1);
    return b;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (!this.closed) this.socket.end(message('X', Buffer.alloc(0)));
    await new Promise<void>((resolve) => (this.closed ? resolve() : this.socket.once('close', () => resolve())));
  }
}

export function cstr(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

export function int16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function message(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(type), int32(body.length + 4), body]);
}

export function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.concat([
    int32(196608),
    ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(body.length + 4), body]);
}

export const sslRequest = (): Buffer => Buffer.concat([int32(8), int32(80877103)]);
export const cancelRequest = (pid: number, secret: number): Buffer =>
  Buffer.concat([int32(16), int32(80877102), int32(pid), int32(secret)]);

export const query = (sql: string): Buffer => message('Q', cstr(sql));

export const parse = (name: string, sql: string, oids: readonly number[] = []): Buffer =>
  message('P', Buffer.concat([cstr(name), cstr(sql), int16(oids.length), ...oids.map(int32)]));

export function bind(
  portal: string,
  statement: string,
  params: readonly (string | null)[],
  formats: readonly number[] = [],
): Buffer {
  return message(
    'B',
    Buffer.concat([
      cstr(portal),
      cstr(statement),
      int16(formats.length),
      ...formats.map(int16),
      int16(params.length),
      ...params.map((p) => (p === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(p)), Buffer.from(p)]))),
      int16(0),
    ]),
  );
}

export const describe = (kind: 'S' | 'P', name: string): Buffer =>
  message('D', Buffer.concat([Buffer.from(kind), cstr(name)]));
export const execute = (portal: string, maxRows = 0): Buffer =>
  message('E', Buffer.concat([cstr(portal), int32(maxRows)]));
export const close = (kind: 'S' | 'P', name: string): Buffer =>
  message('C', Buffer.concat([Buffer.from(kind), cstr(name)]));
export const sync = (): Buffer => message('S', Buffer.alloc(0));
export const flush = (): Buffer => message('H', Buffer.alloc(0));

/** Decodes a RowDescription into names and type OIDs. */
export function fields(body: Buffer): Field[] {
  const n = body.readInt16BE(0);
  let off = 2;
  const out: Field[] = [];
  for (let i = 0; i < n; i++) {
    const end = body.indexOf(0, off);
    const name = body.toString('utf8', off, end);
    off = end + 1;
    const oid = body.readUInt32BE(off + 6);
    off += 18;
    out.push({ name, oid });
  }
  return out;
}

/** Decodes a DataRow into text values (null for SQL NULL). */
export function dataRow(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  let off = 2;
  const out: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(off);
    off += 4;
    if (len < 0) out.push(null);
    else {
      out.push(body.toString('utf8', off, off + len));
      off += len;
    }
  }
  return out;
}

/** Decodes ErrorResponse/NoticeResponse fields by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < body.length && body[off] !== 0) {
    const code = String.fromCharCode(body[off] as number);
    const end = body.indexOf(0, off + 1);
    out[code] = body.toString('utf8', off + 1, end);
    off = end + 1;
  }
  return out;
}

export function parameterOids(body: Buffer): number[] {
  const n = body.readInt16BE(0);
  return Array.from({ length: n }, (_, i) => body.readUInt32BE(2 + i * 4));
}

export const types = (messages: readonly RawMessage[]): string => messages.map((m) => m.type).join('');
