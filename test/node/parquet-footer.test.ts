import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnsFile, rowGroupFile } from '../../lib/parquet/cut.ts';
import { type DecodedRowGroup, decodeGroups, readRowGroup, readSchema } from '../../lib/parquet/decode.ts';
import { bufferSource, ParquetFormatError, readFooter, topLevelColumns } from '../../lib/parquet/footer.ts';
import { decodeStruct, encodeStruct, type ThriftStruct, type ThriftValue, TType } from '../../lib/parquet/thrift.ts';
import { parquetBytes } from '../support/parquet-bytes.ts';
import { initParquetWasmForNode } from '../support/parquet-wasm.ts';
import { CORPUS_DIR } from '../support/paths.ts';

initParquetWasmForNode();

const corpus = (path: string) => new Uint8Array(readFileSync(`${CORPUS_DIR}${path}`));

// Arbitrary Thrift values (every type the compact protocol has), nested a few levels.
const value: fc.Memo<ThriftValue> = fc.memo((depth) => {
  const leaves: fc.Arbitrary<ThriftValue>[] = [
    fc.boolean().map((v) => ({ type: v ? TType.True : TType.False, value: v })),
    fc.integer({ min: -128, max: 127 }).map((v) => ({ type: TType.Byte, value: v })),
    fc.integer({ min: -32768, max: 32767 }).map((v) => ({ type: TType.I16, value: v })),
    fc.integer().map((v) => ({ type: TType.I32, value: v })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => ({ type: TType.I64, value: v })),
    fc.double({ noNaN: true }).map((v) => ({ type: TType.Double, value: v })),
    fc.uint8Array({ maxLength: 40 }).map((v) => ({ type: TType.Binary, value: v })),
  ];
  if (depth <= 1) return fc.oneof(...leaves);
  return fc.oneof(
    ...leaves,
    fc.array(fc.integer(), { maxLength: 20 }).map((xs) => ({
      type: TType.List,
      elementType: TType.I32,
      value: xs.map((x) => ({ type: TType.I32, value: x })),
    })),
    struct(depth - 1).map((s) => ({ type: TType.Struct, value: s })),
  );
});
const struct = (depth: number): fc.Arbitrary<ThriftStruct> =>
  fc
    .uniqueArray(fc.tuple(fc.integer({ min: 1, max: 400 }), value(depth)), { selector: ([id]) => id, maxLength: 8 })
    .map((fields) => new Map(fields));

describe('Thrift compact protocol', () => {
  it('decodes what it encodes, for any struct', () => {
    fc.assert(
      fc.property(struct(3), (s) => {
        expect(decodeStruct(encodeStruct(s))).toEqual(s);
      }),
    );
  });

  it('re-encodes every corpus footer byte for byte', async () => {
    for (const path of [
      'data/alltypes_plain.parquet',
      'data/nested_structs.rust.parquet',
      'data/int96_from_spark.parquet',
    ]) {
      const bytes = corpus(path);
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true);
      const footer = bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
      expect(encodeStruct(decodeStruct(footer))).toEqual(footer);
    }
  });

  it('refuses truncated data instead of reading past the end', () => {
    const bytes = encodeStruct(new Map([[1, { type: TType.Binary, value: new Uint8Array(100) }]]));
    expect(() => decodeStruct(bytes.subarray(0, 20))).toThrow(/runs past the end|unexpected end/);
  });
});

describe('Parquet footer', () => {
  it('reads row groups, key-value metadata and INT96 columns', async () => {
    const footer = await readFooter(bufferSource(corpus('data/int96_from_spark.parquet')));
    expect(footer.numRows).toBe(6);
    expect(footer.rowGroups).toHaveLength(1);
    expect(footer.hints.get('a')).toBe('int96');
    expect([...footer.keyValue.keys()]).toContain('org.apache.spark.version');
  });

  it.each([
    [(b: Uint8Array) => b.subarray(0, b.length - 1), /missing PAR1 magic bytes/],
    [(b: Uint8Array) => b.subarray(0, 10), /too short to be Parquet/],
    [(b: Uint8Array) => b.subarray(b.length - 200), /missing PAR1 magic bytes/],
    [() => new TextEncoder().encode('id,name\n1,x\n'), /too short|missing PAR1/],
  ])('refuses a damaged file with a readable reason (%#)', async (damage, message) => {
    await expect(readFooter(bufferSource(damage(corpus('data/alltypes_plain.parquet'))))).rejects.toThrow(message);
  });

  it('refuses a MAP without values, as DuckDB does', async () => {
    await expect(readFooter(bufferSource(corpus('data/map_no_value.parquet')))).rejects.toThrow(
      new ParquetFormatError("MAP column 'my_map_no_v' has keys but no values"),
    );
  });

  it('cuts a file into one-row-group files that decode to the same rows', async () => {
    const source = bufferSource(corpus('data/floating_orders_nan_count.parquet'));
    const footer = await readFooter(source);
    expect(footer.rowGroups.length).toBeGreaterThan(1);
    let rows = 0;
    for (const group of footer.rowGroups) {
      const bytes = await source.read(group.start, group.end - group.start);
      const file = rowGroupFile(footer, group.index, bytes);
      expect((await readFooter(bufferSource(file))).rowGroups).toHaveLength(1);
      rows += (await readRowGroup(source, footer, group.index)).group?.numRows ?? 0;
    }
    expect(rows).toBe(footer.numRows);
    expect(readSchema(footer).schema.fields.map((f) => f.name)).toEqual([
      'float_ieee754',
      'float_typedef',
      'double_ieee754',
      'double_typedef',
      'float16_ieee754',
      'float16_typedef',
    ]);
  });

  it('packs columns into decode groups in order, a larger column alone', () => {
    expect(decodeGroups([1, 1, 1, 5, 1, 2], 3)).toEqual([[0, 1, 2], [3], [4, 5]]);
    expect(decodeGroups([], 3)).toEqual([[]]);
  });

  /** Every value of every column, as JSON (bigints and bytes spelled out). */
  const dump = (g: DecodedRowGroup | null) =>
    JSON.stringify(
      g && {
        fields: g.fields.map((f) => [f.name, String(f.type), f.nullable]),
        values: g.columns.map((v) => Array.from({ length: v.length }, (_, i) => v.get(i))),
      },
      (_k, x: unknown) =>
        typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : Number.isNaN(x) ? 'NaN' : x,
    );

  /** Decodes every row group of a file whole and one column at a time; returns how many were compared. */
  async function compareApart(bytes: Uint8Array, name: string): Promise<number> {
    const source = bufferSource(bytes);
    let footer: Awaited<ReturnType<typeof readFooter>>;
    try {
      footer = await readFooter(source);
    } catch {
      return 0;
    }
    if (topLevelColumns(footer).length < 2) return 0;
    let compared = 0;
    for (const group of footer.rowGroups.slice(0, 3)) {
      if (group.uncompressedBytes > 16 * 1024 * 1024) continue;
      const whole = await readRowGroup(source, footer, group.index, { groupBytes: Number.POSITIVE_INFINITY }).catch(
        (e) => e,
      );
      const apart = await readRowGroup(source, footer, group.index, { groupBytes: 1 }).catch((e) => e);
      if (whole instanceof Error) {
        expect(apart, name).toBeInstanceOf(ParquetFormatError);
        continue;
      }
      expect(apart, `${name} row group ${group.index}`).not.toBeInstanceOf(Error);
      expect(dump(apart.group), `${name} row group ${group.index}`).toBe(dump(whole.group));
      compared++;
    }
    return compared;
  }

  it('decodes a row group a column at a time exactly as it decodes it whole, for every corpus file', async () => {
    let compared = 0;
    for (const name of readdirSync(`${CORPUS_DIR}data`).filter((n) => n.endsWith('.parquet'))) {
      compared += await compareApart(corpus(`data/${name}`), name);
    }
    // Row groups of files with two or more columns, where the two ways differ.
    expect(compared).toBeGreaterThanOrEqual(35);
  });

  it('decodes nested and logical types a column at a time exactly as whole (a DuckDB-written file)', async () => {
    const bytes = await parquetBytes(
      `SELECT i AS id, {'a': i, 'b': 'x' || i, 'c': [i, NULL, i + 1]} AS s, [{'k': i, 'v': [1.5, NULL]}] AS list_of_structs,
           MAP {'k' || (i % 3): i} AS m, [[i], [], NULL] AS nested_list, uuid() IS NOT NULL AS flag,
           ('{"n": ' || i || '}')::JSON AS j, gen_random_uuid() AS u, TIMETZ '12:00:00+02' AS tz,
           (i / 7)::DECIMAL(20, 5) AS dec, TIMESTAMP '2026-01-01' + to_seconds(i) AS ts, i AS dup, -i AS "DUP",
           CASE WHEN i % 4 = 0 THEN NULL ELSE 'maybe ' || i END AS maybe
         FROM range(3000) t(i)`,
      'ROW_GROUP_SIZE 1024',
    );
    expect(await compareApart(bytes, 'nested.parquet')).toBeGreaterThanOrEqual(2);
    // A footer whose column orders do not match its columns is refused as corrupt, not a crash.
    const footer = await readFooter(bufferSource(bytes));
    const raw = new Map(footer.raw);
    const orders = raw.get(7) as Extract<ThriftValue, { value: ThriftValue[] }>;
    expect(orders.value.length).toBeGreaterThan(1);
    raw.set(7, { ...orders, value: orders.value.slice(0, 1) });
    const group = footer.rowGroups[0] as { start: number; end: number };
    expect(() => columnsFile({ ...footer, raw }, 0, bytes.subarray(group.start, group.end), [0, 1])).toThrow(
      /corrupt footer: 1 column orders for \d+ columns/,
    );
  });

  it('turns decoder failures into ParquetFormatError instead of a crash', async () => {
    const source = bufferSource(corpus('bad_data/ARROW-GH-45185.parquet'));
    const footer = await readFooter(source);
    await expect(readRowGroup(source, footer, 0)).rejects.toThrow(ParquetFormatError);
    // The decoder is still usable afterwards.
    const good = bufferSource(corpus('data/alltypes_plain.parquet'));
    expect((await readRowGroup(good, await readFooter(good), 0)).group?.numRows).toBe(8);
  });
});
