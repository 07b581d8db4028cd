// Thrift compact protocol, generically: enough to read a Parquet footer, edit a few fields and write it back.
// Field ids are kept as numbers; nothing here knows the Parquet schema.

export const TType = {
  True: 1,
  False: 2,
  Byte: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  Double: 7,
  Binary: 8,
  List: 9,
  Set: 10,
  Map: 11,
  Struct: 12,
} as const;
export type TType = (typeof TType)[keyof typeof TType];
type T<K extends keyof typeof TType> = (typeof TType)[K];

export type ThriftValue =
  | { readonly type: T<'True'> | T<'False'>; readonly value: boolean }
  | { readonly type: T<'Byte'> | T<'I16'> | T<'I32'>; readonly value: number }
  | { readonly type: T<'I64'>; readonly value: bigint }
  | { readonly type: T<'Double'>; readonly value: number }
  | { readonly type: T<'Binary'>; readonly value: Uint8Array }
  | { readonly type: T<'List'> | T<'Set'>; readonly elementType: number; readonly value: ThriftValue[] }
  | {
      readonly type: T<'Map'>;
      readonly keyType: number;
      readonly valueType: number;
      readonly value: [ThriftValue, ThriftValue][];
    }
  | { readonly type: T<'Struct'>; readonly value: ThriftStruct };

/** Fields by id, in the order they were read (and will be written). */
export type ThriftStruct = Map<number, ThriftValue>;

export class ThriftError extends Error {
  override readonly name = 'ThriftError';
}

const MAX_DEPTH = 64;
const MAX_COLLECTION = 10_000_000;

export class CompactReader {
  private pos = 0;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  get offset(): number {
    return this.pos;
  }

  private byte(): number {
    if (this.pos >= this.bytes.length) throw new ThriftError('unexpected end of data');
    return this.bytes[this.pos++] as number;
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new ThriftError('varint too long');
    }
  }

  private zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  private smallInt(): number {
    const n = this.zigzag();
    if (n > 2147483647n || n < -2147483648n) throw new ThriftError('integer out of range');
    return Number(n);
  }

  private size(): number {
    const n = this.varint();
    if (n > BigInt(MAX_COLLECTION)) throw new ThriftError(`collection of ${n} elements is implausible`);
    return Number(n);
  }

  readStruct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('nesting too deep');
    const fields: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return fields;
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.smallInt() : lastId + delta;
      lastId = id;
      if (type === TType.True || type === TType.False) {
        fields.set(id, { type, value: type === TType.True });
      } else {
        fields.set(id, this.readValue(type, depth + 1));
      }
    }
  }

  readValue(type: number, depth: number): ThriftValue {
    switch (type) {
      case TType.True:
      case TType.False: {
        // Inside collections a boolean is a whole byte: 1 true, 2 false (0 is accepted as false too).
        const b = this.byte();
        return b === 1 ? { type: TType.True, value: true } : { type: TType.False, value: false };
      }
      case TType.Byte: {
        const b = this.byte();
        return { type, value: b > 127 ? b - 256 : b };
      }
      case TType.I16:
      case TType.I32:
        return { type, value: this.smallInt() };
      case TType.I64:
        return { type, value: this.zigzag() };
      case TType.Double: {
        if (this.pos + 8 > this.bytes.length) throw new ThriftError('unexpected end of data');
        const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8);
        this.pos += 8;
        return { type, value: view.getFloat64(0, true) };
      }
      case TType.Binary: {
        const len = this.size();
        if (this.pos + len > this.bytes.length) throw new ThriftError('binary field runs past the end');
        const value = this.bytes.subarray(this.pos, this.pos + len);
        this.pos += len;
        return { type, value };
      }
      case TType.List:
      case TType.Set: {
        const header = this.byte();
        const elementType = header & 0x0f;
        const count = header >> 4 === 15 ? this.size() : header >> 4;
        const value: ThriftValue[] = [];
        for (let i = 0; i < count; i++) value.push(this.readValue(elementType, depth + 1));
        return { type, elementType, value };
      }
      case TType.Map: {
        const count = this.size();
        const value: [ThriftValue, ThriftValue][] = [];
        if (count === 0) return { type, keyType: TType.Binary, valueType: TType.Binary, value };
        const kinds = this.byte();
        const keyType = kinds >> 4;
        const valueType = kinds & 0x0f;
        for (let i = 0; i < count; i++)
          value.push([this.readValue(keyType, depth + 1), this.readValue(valueType, depth + 1)]);
        return { type, keyType, valueType, value };
      }
      case TType.Struct:
        return { type, value: this.readStruct(depth) };
      default:
        throw new ThriftError(`unknown field type ${type}`);
    }
  }
}

export class CompactWriter {
  private chunks: number[] = [];
  private parts: Uint8Array[] = [];

  private flushBytes(): void {
    if (this.chunks.length > 0) {
      this.parts.push(Uint8Array.from(this.chunks));
      this.chunks = [];
    }
  }

  private byte(b: number): void {
    this.chunks.push(b & 0xff);
  }

  private varint(n: bigint): void {
    let v = n;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }

  writeStruct(fields: ThriftStruct): void {
    let lastId = 0;
    for (const [id, v] of fields) {
      const wireType = v.type === TType.True || v.type === TType.False ? (v.value ? TType.True : TType.False) : v.type;
      const delta = id - lastId;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | wireType);
      else {
        this.byte(wireType);
        this.zigzag(BigInt(id));
      }
      lastId = id;
      if (v.type !== TType.True && v.type !== TType.False) this.writeValue(v);
    }
    this.byte(0);
  }

  writeValue(v: ThriftValue): void {
    switch (v.type) {
      case TType.True:
      case TType.False:
        this.byte(v.value ? 1 : 2);
        return;
      case TType.Byte:
        this.byte(v.value);
        return;
      case TType.I16:
      case TType.I32:
        this.zigzag(BigInt(v.value));
        return;
      case TType.I64:
        this.zigzag(v.value);
        return;
      case TType.Double: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v.value, true);
        for (const x of b) this.byte(x);
        return;
      }
      case TType.Binary:
        this.varint(BigInt(v.value.length));
        this.flushBytes();
        this.parts.push(v.value);
        return;
      case TType.List:
      case TType.Set:
        if (v.value.length < 15) this.byte((v.value.length << 4) | v.elementType);
        else {
          this.byte(0xf0 | v.elementType);
          this.varint(BigInt(v.value.length));
        }
        for (const item of v.value) this.writeValue(item);
        return;
      case TType.Map:
        this.varint(BigInt(v.value.length));
        if (v.value.length === 0) return;
        this.byte((v.keyType << 4) | v.valueType);
        for (const [k, x] of v.value) {
          this.writeValue(k);
          this.writeValue(x);
        }
        return;
      case TType.Struct:
        this.writeStruct(v.value);
        return;
    }
  }

  finish(): Uint8Array {
    this.flushBytes();
    const total = this.parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

export function decodeStruct(bytes: Uint8Array): ThriftStruct {
  return new CompactReader(bytes).readStruct();
}

export function encodeStruct(fields: ThriftStruct): Uint8Array {
  const w = new CompactWriter();
  w.writeStruct(fields);
  return w.finish();
}
