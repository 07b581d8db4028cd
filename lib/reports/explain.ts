// Why a report's result moved between two runs (or may have, since its last one): the rows and columns of
// the result itself, the loads per table in between (ingest_log), and the schema versions published in
// between with the names each added or removed (schema_snapshots.diff).
import { z } from 'zod';
import { plural } from '../core/words.ts';
import { Change } from '../discovery/snapshot.ts';
import type { ResultColumn } from '../query/contract.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { jsonText } from '../warehouse/rows.ts';

export const ResultColumnSchema = z.object({ name: z.string(), type: z.string() });

/** New rows in one table between two instants. */
export const TableMove = z.object({
  table: z.string(),
  loads: z.number().int(),
  rows: z.number().int(),
});
export type TableMove = z.infer<typeof TableMove>;

/** One published schema version and the names its change set added or removed. */
export const VersionMove = z.object({
  version: z.number().int(),
  semver: z.string(),
  bump: z.string(),
  publishedAt: z.iso.datetime(),
  fieldsAdded: z.array(z.string()).meta({ description: '`source.field`' }),
  fieldsRemoved: z.array(z.string()),
  entityTypesAdded: z.array(z.string()),
  entityTypesRemoved: z.array(z.string()),
  changes: z.number().int().meta({ description: 'every change of the version, renames and status changes included' }),
});
export type VersionMove = z.infer<typeof VersionMove>;

export const ColumnChanges = z.object({
  added: z.array(ResultColumnSchema),
  removed: z.array(ResultColumnSchema),
  retyped: z.array(z.object({ name: z.string(), from: z.string(), to: z.string() })),
});
export type ColumnChanges = z.infer<typeof ColumnChanges>;

export const RowCounts = z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() });
export type RowCounts = z.infer<typeof RowCounts>;

/** What moved in the warehouse over a span: loads per table and published versions. */
export const Movement = z.object({
  data: z.object({ since: z.iso.datetime(), until: z.iso.datetime(), tables: z.array(TableMove) }),
  schema: z.object({
    from: z.number().int().nullable(),
    to: z.number().int().nullable(),
    versions: z.array(VersionMove),
  }),
});
export type Movement = z.infer<typeof Movement>;

/** Why a run's result is (or is not) the previous successful run's, stored with the run. */
export const RunExplanation = Movement.extend({
  previousRun: z.number().int(),
  summary: z.string(),
  result: z.object({
    rowCount: z.object({ from: z.number().int(), to: z.number().int() }),
    /** Null when the previous result could not be read back. */
    rows: RowCounts.nullable(),
    by: z.enum(['key', 'rows']).nullable(),
    columns: ColumnChanges,
    /** The same rows in another order: not a change. */
    reorderedOnly: z.boolean(),
  }),
}).meta({ id: 'RunExplanation' });
export type RunExplanation = z.infer<typeof RunExplanation>;

const LoadRow = z.object({ table: z.string(), loads: z.coerce.number(), rows: z.coerce.number() });

/**
 * Loads that finished in (since, until], per target table. NOTE: a load that committed after `until` but
 * stamped its finish before it is counted in this span although the run could not see it (a rare race).
 */
export async function dataMovedBetween(db: WarehouseSession, since: Date, until: Date): Promise<TableMove[]> {
  const rows = await db.query(
    `SELECT target AS "table", count(*) AS loads, coalesce(sum(rows), 0) AS rows FROM ingest_log
     WHERE status = 'loaded' AND target IS NOT NULL
       AND finished_at > $1::TIMESTAMPTZ AND finished_at <= $2::TIMESTAMPTZ
     GROUP BY target ORDER BY target`,
    [since, until],
  );
  return rows.map((r) => LoadRow.parse(r));
}

const VersionRow = z.object({
  version: z.coerce.number(),
  semver: z.string(),
  bump: z.string(),
  published_at: z.coerce.date(),
  diff: jsonText(z.array(Change)),
});

const fieldName = (c: Change) => (c.key.kind === 'field' ? `${c.key.source}.${c.key.name}` : c.key.name);

/** The versions published after `from` up to `to` (either order), each with what its diff added or removed. */
export async function schemaMovedBetween(
  db: WarehouseSession,
  from: number | null,
  to: number | null,
): Promise<VersionMove[]> {
  if (to === null || from === to) return [];
  const [low, high] = from === null ? [0, to] : [Math.min(from, to), Math.max(from, to)];
  const rows = await db.query(
    `SELECT version, semver, bump, published_at, diff::VARCHAR AS diff FROM schema_snapshots
     WHERE version > $1::INTEGER AND version <= $2::INTEGER ORDER BY version`,
    [low, high],
  );
  return rows.map((r) => {
    const v = VersionRow.parse(r);
    const names = (change: 'added' | 'removed', kind: 'field' | 'entity_type') =>
      v.diff.filter((c) => c.change === change && c.key.kind === kind).map(fieldName);
    return {
      version: v.version,
      semver: v.semver,
      bump: v.bump,
      publishedAt: v.published_at.toISOString(),
      fieldsAdded: names('added', 'field'),
      fieldsRemoved: names('removed', 'field'),
      entityTypesAdded: names('added', 'entity_type'),
      entityTypesRemoved: names('removed', 'entity_type'),
      changes: v.diff.length,
    };
  });
}

/** The latest published version, or null before the first. */
export async function latestVersion(db: WarehouseSession): Promise<number | null> {
  const [row] = await db.query('SELECT max(version) AS v FROM schema_snapshots');
  const v = (row as { v: unknown } | undefined)?.v;
  return v === null || v === undefined ? null : Number(v);
}

/** Columns only one side has, and columns both have under another type. */
export function columnChanges(from: readonly ResultColumn[], to: readonly ResultColumn[]): ColumnChanges {
  const before = new Map(from.map((c) => [c.name, c.type]));
  const after = new Map(to.map((c) => [c.name, c.type]));
  return {
    added: to.filter((c) => !before.has(c.name)).map((c) => ({ name: c.name, type: c.type })),
    removed: from.filter((c) => !after.has(c.name)).map((c) => ({ name: c.name, type: c.type })),
    retyped: to.flatMap((c) => {
      const was = before.get(c.name);
      return was !== undefined && was !== c.type ? [{ name: c.name, from: was, to: c.type }] : [];
    }),
  };
}

/** What moved, in one line: the result's rows and columns, the tables loaded, the versions published. */
export function summarize(e: Omit<RunExplanation, 'summary'>, changed: boolean): string {
  const parts: string[] = [];
  const { rows, columns } = e.result;
  if (!changed) parts.push(e.result.reorderedOnly ? 'result unchanged (rows in another order)' : 'result unchanged');
  else if (rows === null) parts.push('result changed (the previous result could not be read)');
  else {
    const counts = [
      rows.added > 0 ? `${plural(rows.added, 'row')} added` : null,
      rows.removed > 0 ? `${plural(rows.removed, 'row')} removed` : null,
      rows.changed > 0 ? `${plural(rows.changed, 'row')} changed` : null,
    ].filter((p) => p !== null);
    parts.push(counts.length > 0 ? counts.join(', ') : 'result changed');
  }
  if (columns.added.length > 0) parts.push(`columns added: ${columns.added.map((c) => c.name).join(', ')}`);
  if (columns.removed.length > 0) parts.push(`columns removed: ${columns.removed.map((c) => c.name).join(', ')}`);
  if (columns.retyped.length > 0)
    parts.push(`columns retyped: ${columns.retyped.map((c) => `${c.name} ${c.from} → ${c.to}`).join(', ')}`);
  const tables = e.data.tables.map((t) => `${t.table} (${plural(t.loads, 'load')}, ${plural(t.rows, 'row')})`);
  parts.push(tables.length > 0 ? `new rows in ${tables.join(', ')}` : 'no new loads');
  for (const v of e.schema.versions) {
    const names = [
      ...v.fieldsAdded.map((n) => `field ${n} added`),
      ...v.fieldsRemoved.map((n) => `field ${n} removed`),
      ...v.entityTypesAdded.map((n) => `entity type ${n} added`),
      ...v.entityTypesRemoved.map((n) => `entity type ${n} removed`),
    ];
    const shown = names.length > 5 ? [...names.slice(0, 5), `${names.length - 5} more`] : names;
    parts.push(`schema v${v.version} (${v.semver})${shown.length > 0 ? `: ${shown.join(', ')}` : ''}`);
  }
  return parts.join('; ');
}
