// Saved reports as the model's examples: the most recently updated few whose SQL is short enough to show whole.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import { MAX_EXAMPLE_SQL_CHARS, MAX_EXAMPLES, type SavedExample } from './prompt.ts';

const ExampleRow = z.object({ name: z.string(), sql: z.string() });

/** Up to `limit` saved reports (name and SQL), newest update first, ties by name. */
export async function readExamples(db: WarehouseSession, limit = MAX_EXAMPLES): Promise<SavedExample[]> {
  const rows = await db.query(
    `SELECT name, sql FROM saved_queries WHERE length(sql) <= $1::INTEGER
     ORDER BY updated_at DESC, name LIMIT $2::INTEGER`,
    [MAX_EXAMPLE_SQL_CHARS, limit],
  );
  return rows.map((row) => ExampleRow.parse(row));
}
