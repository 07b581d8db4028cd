// The zod fields the ddl --from-zod property tests generate: each a zod v4 schema over the constructs the
// mapping supports (with a required/optional/nullable/nullish wrapper), an arbitrary of candidate values for it
// (valid and invalid alike) and how a value is written as an SQL literal. Shared by toolkit-ddl-property (the
// table accepts exactly what zod accepts) and toolkit-roundtrip-property (zod -> DDL -> generate zod).
import fc from 'fast-check';
import { z } from 'zod';
import { quoteLiteral } from '../../lib/warehouse/sql.ts';

/** One generated field: its zod schema, an arbitrary of candidate values and how a value is written in SQL. */
export interface FieldGen {
  readonly label: string;
  readonly schema: z.ZodType;
  readonly value: fc.Arbitrary<unknown>;
  readonly sql: (value: unknown) => string;
  /** z.json(): a JavaScript null is JSON's `null`, a value, not SQL NULL. */
  readonly jsonNull?: boolean;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const str = (v: unknown) => quoteLiteral(v as string);
// fc.string() here is printable ASCII: zod's .length counts UTF-16 units, DuckDB's length() code points, which
// differ only outside the BMP.
const ascii = (maxLength: number) => fc.string({ maxLength });

const stringField: fc.Arbitrary<FieldGen> = fc
  .record({
    min: fc.option(fc.nat(3), { nil: undefined }),
    extra: fc.option(fc.nat(4), { nil: undefined }),
    prefix: fc.option(fc.constantFrom('a', "x'"), { nil: undefined }),
    suffix: fc.option(fc.constantFrom('z', '.'), { nil: undefined }),
    regex: fc.option(fc.constantFrom(/^[a-z]*$/, /\d/, /^a|b$/, /B.C/i), { nil: undefined }),
  })
  .map(({ min, extra, prefix, suffix, regex }) => {
    let schema = z.string();
    if (min !== undefined) schema = schema.min(min);
    if (extra !== undefined) schema = schema.max((min ?? 0) + extra);
    if (prefix !== undefined) schema = schema.startsWith(prefix);
    if (suffix !== undefined) schema = schema.endsWith(suffix);
    if (regex !== undefined) schema = schema.regex(regex);
    const value = fc
      .tuple(
        fc.constantFrom('', prefix ?? ''),
        fc.oneof(ascii(6), fc.constantFrom('abc', 'b', '7', 'BxC')),
        fc.constantFrom('', suffix ?? ''),
      )
      .map((parts) => parts.join(''));
    return {
      label: `string ${JSON.stringify({ min, extra, prefix, suffix, regex: regex?.toString() })}`,
      schema,
      value,
      sql: str,
    };
  });

const intField: fc.Arbitrary<FieldGen> = fc
  .record({
    kind: fc.constantFrom('int32', 'int', 'number.int'),
    lo: fc.option(fc.integer({ min: -20, max: 20 }), { nil: undefined }),
    span: fc.option(fc.nat(30), { nil: undefined }),
    exclusive: fc.boolean(),
    positive: fc.boolean(),
    step: fc.option(fc.constantFrom(2, 3), { nil: undefined }),
  })
  .map(({ kind, lo, span, exclusive, positive, step }) => {
    let schema = kind === 'int32' ? z.int32() : kind === 'int' ? z.int() : z.number().int();
    if (lo !== undefined) schema = exclusive ? schema.gt(lo) : schema.min(lo);
    if (span !== undefined) schema = exclusive ? schema.lt((lo ?? 0) + span) : schema.max((lo ?? 0) + span);
    if (positive) schema = schema.positive();
    if (step !== undefined) schema = schema.multipleOf(step);
    // Integers only: DuckDB rounds a non-integer into an INTEGER column (a type conversion, before any CHECK).
    // No integers past 2^31 with .multipleOf: zod's float-safe remainder calls 9007199254740991 a multiple of 2.
    const edges =
      step === undefined ? [2 ** 31 - 1, -(2 ** 31), 2 ** 31, MAX_SAFE, MAX_SAFE + 1, -MAX_SAFE - 1] : [2 ** 31 - 1];
    const value = fc.oneof(fc.integer({ min: -30, max: 60 }), fc.constantFrom(...edges));
    return {
      label: `${kind} ${JSON.stringify({ lo, span, exclusive, positive, step })}`,
      schema,
      value,
      sql: (v: unknown) => (v as number).toFixed(0),
    };
  });

const numberField: fc.Arbitrary<FieldGen> = fc
  .record({
    lo: fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { nil: undefined }),
    hi: fc.option(fc.double({ min: -100, max: 100, noNaN: true }), { nil: undefined }),
    exclusive: fc.boolean(),
    nonnegative: fc.boolean(),
  })
  .map(({ lo, hi, exclusive, nonnegative }) => {
    let schema = z.number();
    if (lo !== undefined) schema = exclusive ? schema.gt(lo) : schema.min(lo);
    if (hi !== undefined) schema = exclusive ? schema.lt(hi) : schema.max(hi);
    if (nonnegative) schema = schema.nonnegative();
    const value = fc.oneof(
      fc.double({ min: -200, max: 200 }),
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, lo ?? 1, hi ?? -1),
    );
    return {
      label: `number ${JSON.stringify({ lo, hi, exclusive, nonnegative })}`,
      schema,
      value,
      sql: (v: unknown) => `CAST(${quoteLiteral(String(v))} AS DOUBLE)`,
    };
  });

const bigintField: fc.Arbitrary<FieldGen> = fc
  .record({ lo: fc.option(fc.bigInt({ min: -5n, max: 5n }), { nil: undefined }), int64: fc.boolean() })
  .map(({ lo, int64 }) => {
    let schema = int64 ? z.int64() : z.bigint();
    if (lo !== undefined) schema = schema.min(lo);
    // Within HUGEINT: zod's bigint is unbounded, DuckDB's widest integer has 128 bits.
    const value = fc.oneof(fc.bigInt({ min: -10n, max: 10n }), fc.bigInt({ min: -(2n ** 100n), max: 2n ** 100n }));
    return {
      label: `bigint ${JSON.stringify({ lo: lo?.toString(), int64 })}`,
      schema,
      value,
      sql: (v: unknown) => String(v),
    };
  });

const simpleFields: fc.Arbitrary<FieldGen> = fc.constantFrom<FieldGen>(
  { label: 'boolean', schema: z.boolean(), value: fc.boolean(), sql: (v) => String(v).toUpperCase() },
  { label: 'enum', schema: z.enum(['open', 'shut']), value: fc.constantFrom('open', 'shut', 'ajar'), sql: str },
  { label: 'literals', schema: z.literal(['x', 'y']), value: fc.constantFrom('x', 'y', 'w'), sql: str },
  {
    label: 'number literals',
    schema: z.union([z.literal(1), z.literal(2.5)]),
    value: fc.constantFrom(1, 2.5, 3),
    sql: (v) => String(v),
  },
  {
    label: 'iso date',
    schema: z.iso.date(),
    // Only forms both parse the same way: DuckDB also reads `2020-1-1`, which zod's pattern refuses.
    value: fc.oneof(
      fc
        .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10)),
      fc.constantFrom('2020-02-29', '2021-02-29', '2020-13-01', '2020-04-31'),
    ),
    sql: str,
  },
  {
    label: 'iso datetime with offset',
    schema: z.iso.datetime({ offset: true }),
    value: fc.oneof(
      fc
        .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString()),
      // Not T24:00:00 nor a bare date, which DuckDB reads as a timestamp and zod refuses: a TIMESTAMP column
      // checks the value, not how its text was written.
      fc.constantFrom('2020-01-01T10:00:00+02:00', '2020-01-01T25:00:00Z', '2021-02-29T00:00:00Z'),
    ),
    sql: str,
  },
  {
    label: 'uuid',
    schema: z.uuid(),
    // Canonical hyphenated forms only: DuckDB's UUID also reads braces and bare hex, zod does not.
    value: fc.uuid({ version: [1, 4, 7, 9, 15] }),
    sql: str,
  },
  {
    label: 'json',
    schema: z.json(),
    value: fc.jsonValue({ maxDepth: 2, stringUnit: 'grapheme-ascii' }),
    sql: (v) => quoteLiteral(JSON.stringify(v)),
    jsonNull: true,
  },
  {
    label: 'int32 list of 1 to 3',
    schema: z.array(z.int32()).min(1).max(3),
    value: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -5, max: 5 }) }, fc.constant(null)), {
      maxLength: 4,
    }),
    sql: (v) => `[${(v as (number | null)[]).map((x) => (x === null ? 'NULL' : String(x))).join(', ')}]::INTEGER[]`,
  },
  {
    label: 'object',
    schema: z.object({ a: z.int32().min(0), b: z.string().max(2).optional() }),
    value: fc.record({
      a: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null)),
      b: fc.option(ascii(3), { nil: undefined }),
    }),
    sql: (v) => {
      const { a, b } = v as { a: number | null; b?: string };
      return `{'a': ${a === null ? 'NULL' : a}, 'b': ${b === undefined ? 'NULL' : quoteLiteral(b)}}::STRUCT("a" INTEGER, "b" VARCHAR)`;
    },
  },
  {
    label: 'record',
    schema: z.record(z.string(), z.int32()),
    value: fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), fc.oneof(fc.integer(), fc.constant(null)), { maxKeys: 3 }),
    sql: (v) => {
      const entries = Object.entries(v as Record<string, number | null>);
      return `MAP {${entries.map(([k, x]) => `${quoteLiteral(k)}: ${x === null ? 'NULL' : x}`).join(', ')}}::MAP(VARCHAR, INTEGER)`;
    },
  },
  {
    label: 'string with a default',
    schema: z.string().default('d'),
    value: ascii(3),
    sql: str,
  },
);

type Wrap = 'required' | 'optional' | 'nullable' | 'nullish';

/** A field with its wrapper: the values it may see include a missing key (undefined) and null. */
export const field: fc.Arbitrary<FieldGen> = fc
  .tuple(
    fc.oneof(stringField, intField, numberField, bigintField, simpleFields, simpleFields),
    fc.constantFrom<Wrap>('required', 'optional', 'nullable', 'nullish'),
  )
  .map(([base, wrap]) => {
    const schema =
      wrap === 'optional'
        ? base.schema.optional()
        : wrap === 'nullable'
          ? base.schema.nullable()
          : wrap === 'nullish'
            ? base.schema.nullish()
            : base.schema;
    // zod tells a missing key from null, a column has one NULL: an optional-only field never sees null and a
    // nullable-only one never a missing key (the database would take both).
    const missing = wrap === 'optional' ? [undefined] : wrap === 'nullable' ? [null] : [undefined, null];
    return {
      [fc.toStringMethod]: () => `${base.label} ${wrap}`,
      label: `${base.label} ${wrap}`,
      schema,
      value: fc.oneof({ weight: 4, arbitrary: base.value }, fc.constantFrom(...missing)),
      sql: base.sql,
      ...(base.jsonNull ? { jsonNull: true } : {}),
    };
  });
