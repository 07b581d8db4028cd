// Zod pieces for rows as the warehouse sends them: JSON columns as text (`column::VARCHAR`), parsed here and
// checked by the zod schema of what they hold, and the one-number row of a `count(*) AS n`.
import { z } from 'zod';

/** A NOT NULL JSON column sent as text, parsed and checked by `schema`. */
export function jsonText<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text): unknown => JSON.parse(text))
    .pipe(schema);
}

/** A nullable JSON column sent as text: SQL NULL (or a JSON null) reads as `empty`. */
export function nullableJsonText<T extends z.ZodType>(schema: T, empty: z.output<T>) {
  return z
    .string()
    .nullable()
    .transform((text): unknown => (text === null ? null : JSON.parse(text)))
    .pipe(schema.nullable())
    .transform((value): z.output<T> => value ?? empty);
}

/** A nullable JSON list of strings (names, examples): NULL reads as none. */
export const stringList = nullableJsonText(z.array(z.string()), []);

/** The row of `SELECT count(*) AS n ...`. */
export const CountRow = z.object({ n: z.coerce.number() });
