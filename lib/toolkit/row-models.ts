// The zod schemas in lib/ that describe rows of a warehouse table, each with the columns it covers and the
// casts its SELECT applies, so `npm run schema -- check` can compare them with the table (row-conformance.ts).
// A schema added to lib/ for a table row belongs here too.
import type { z } from 'zod';
import { EntityTypeRow } from '../discovery/catalog-tables/entity-types.ts';
import { SchemaSnapshotRow } from '../discovery/catalog-tables/schema-snapshots.ts';
import { DiscoveryRunRow } from '../discovery/runs.ts';
import { IngestHeadsRow, IngestLogRow } from '../ingest/ingest-log.ts';
import { DueNotificationRow } from '../notify/outbox.ts';

export interface RowModel {
  /** The exported schema's name and the module that exports it, for messages. */
  readonly name: string;
  readonly module: string;
  readonly table: string;
  readonly schema: z.ZodObject;
  /** `all`: the schema claims every column of the table; else the table columns it reads (other keys are computed). */
  readonly covers: 'all' | readonly string[];
  /** Columns the reading SELECT casts (`x::VARCHAR AS x`), and the type it casts them to. */
  readonly casts?: Readonly<Record<string, string>>;
}

const AS_TEXT = 'VARCHAR';

export const ROW_MODELS: readonly RowModel[] = [
  {
    name: 'SchemaSnapshotRow',
    module: 'lib/discovery/catalog-tables/schema-snapshots.ts',
    table: 'schema_snapshots',
    schema: SchemaSnapshotRow,
    covers: 'all',
    casts: { catalog: AS_TEXT, diff: AS_TEXT, stats: AS_TEXT, views: AS_TEXT },
  },
  {
    name: 'EntityTypeRow',
    module: 'lib/discovery/catalog-tables/entity-types.ts',
    table: 'entity_types',
    schema: EntityTypeRow,
    covers: 'all',
    casts: {
      occurrence_count: 'DOUBLE',
      document_count: 'DOUBLE',
      proposal_count: 'DOUBLE',
      annotators: AS_TEXT,
      datasets: AS_TEXT,
      examples: AS_TEXT,
    },
  },
  {
    name: 'IngestLogRow',
    module: 'lib/ingest/ingest-log.ts',
    table: 'ingest_log',
    schema: IngestLogRow,
    covers: 'all',
    casts: { rows: 'DOUBLE', bytes: 'DOUBLE' },
  },
  {
    name: 'IngestHeadsRow',
    module: 'lib/ingest/ingest-log.ts',
    table: 'ingest_heads',
    schema: IngestHeadsRow,
    covers: 'all',
  },
  {
    name: 'DiscoveryRunRow',
    module: 'lib/discovery/runs.ts',
    table: 'discovery_runs',
    schema: DiscoveryRunRow,
    covers: 'all',
    casts: { report: AS_TEXT },
  },
  {
    name: 'DueNotificationRow',
    module: 'lib/notify/outbox.ts',
    table: 'notifications_outbox',
    schema: DueNotificationRow,
    covers: ['id', 'payload', 'attempts'],
    casts: { payload: AS_TEXT },
  },
];
