// ARGILLA_DATASETS: which Argilla datasets are synced and how their records map onto annotation rows.
import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * Where a record's value comes from: `id` (Argilla's record id), `external_id`, `field:<name>` (a record
 * field) or `metadata:<key>` (a record metadata key).
 */
/**
 * The main Worker's cron that runs a full reconcile (`full: true`) instead of the incremental sync: deletions
 * and responses created in bulk move no `last_activity_at` and send no webhook, so only a full read sees them.
 * Daily at 03:07 UTC, a minute no other cron shares (wrangler.toml [triggers]).
 */
export const ARGILLA_RECONCILE_CRON = '7 3 * * *';

export const RecordValueSource = z.union([
  z.literal('id'),
  z.literal('external_id'),
  z.templateLiteral(['field:', z.string().min(1)]),
  z.templateLiteral(['metadata:', z.string().min(1)]),
]);
export type RecordValueSource = z.output<typeof RecordValueSource>;

export const ArgillaDatasetConfig = z.strictObject({
  /** Workspace id (UUID) the names are looked up in; any workspace the key sees when absent. */
  workspace: z.string().min(1).optional(),
  /** Exact dataset names. */
  names: z.array(z.string().min(1)).min(1),
  /** The annotations' record_id; default Argilla's record id. */
  recordId: RecordValueSource.default('id'),
  /** The annotations' document_id (joins raw_documents); default the record's external_id. */
  documentId: RecordValueSource.default('external_id'),
  /** The span question; default every span question of the dataset. */
  spanQuestion: z.string().min(1).optional(),
  /** The free-text question whose answers propose entity types (DISCOVERY_CONFIG.proposalQuestion). */
  proposalQuestion: z.string().min(1).default('proposed_entity_type'),
  /** The dataset version stored with each row; default a trailing `v<N>` of the name (`vessels-v2` -> `v2`). */
  version: z.string().min(1).optional(),
});
export type ArgillaDatasetConfig = z.output<typeof ArgillaDatasetConfig>;

export const ArgillaDatasets = z.array(ArgillaDatasetConfig);
export type ArgillaDatasets = z.output<typeof ArgillaDatasets>;

/** Parses ARGILLA_DATASETS (a JSON array, or one object); a bad value is a bad_request naming the problem. */
export function parseArgillaDatasets(text: string | undefined): ArgillaDatasets {
  if (text === undefined || text.trim() === '') return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('bad_request', `ARGILLA_DATASETS is not JSON: ${(error as Error).message}`);
  }
  const parsed = ArgillaDatasets.safeParse(Array.isArray(json) ? json : [json]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('bad_request', `ARGILLA_DATASETS: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/** The version of a dataset's rows: the configured one, else a trailing `v<N>` of its name, else null. */
export function datasetVersion(config: ArgillaDatasetConfig, name: string): string | null {
  return config.version ?? /[-_ .]?(v\d+(?:\.\d+)*)$/i.exec(name)?.[1] ?? null;
}
