// A run's second step, plan: from what it observed, the catalog rows to write (described), the conflicts
// to raise, and the catalog to publish with its difference from the latest snapshot. It reads the
// warehouse only to leave out conflicts between two columns of one file.
import type { WarehouseSession } from '../warehouse/port.ts';
import { catalogOf, type EntityRow, type FieldRow, fieldKey, planEntityTypes, planFields } from './catalog.ts';
import { describeNew } from './describe.ts';
import type { DiscoveryDeps } from './run.ts';
import { coAnnotatedPairs, embeddingNeighbours, findConflicts, withoutColumnsOfOneFile } from './run-conflicts.ts';
import type { RunObservation } from './run-observe.ts';
import type { ConflictSummary } from './run-report.ts';
import { type Bump, bumpFor, type Catalog, type Change, canonicalCatalog, diffCatalogs } from './snapshot.ts';

export interface RunPlan {
  /** Rows to write: new, changed and aged ones; unchanged rows are left out. */
  readonly entityRows: readonly EntityRow[];
  readonly fieldRows: readonly FieldRow[];
  /** Names new to the catalog. */
  readonly newEntityTypes: readonly string[];
  readonly newFields: readonly { readonly source: string; readonly name: string }[];
  /** The catalog's rows once these are written. */
  readonly entitiesAfter: readonly EntityRow[];
  readonly fieldsAfter: readonly FieldRow[];
  readonly conflicts: readonly ConflictSummary[];
  /** What a snapshot would publish, how it differs from the latest one, and the bump that earns (null: none). */
  readonly catalog: Catalog;
  readonly changes: readonly Change[];
  readonly bump: Bump | null;
}

export async function planRun(
  tx: WarehouseSession,
  deps: Pick<DiscoveryDeps, 'config' | 'newId' | 'log' | 'describe' | 'ai' | 'clock'>,
  observation: RunObservation,
  now: Date,
): Promise<RunPlan> {
  const { config } = deps;
  const { current, entities } = observation;
  const covered = entities.covered === 'all' ? 'all' : new Set(entities.covered);
  const { activity } = observation.activity;
  const entityPlan = planEntityTypes(current.entities, entities.observed, covered, activity, config, now);
  const fieldPlan = planFields(current.fields, observation.fields, !observation.full, activity, config, now);
  const entityRows = await describeNew(
    deps,
    entityPlan.rows,
    new Set(entityPlan.newNames),
    (e) => ({ kind: 'entity_type', name: e.name, examples: e.examples }),
    (e) => e.name,
  );
  const fieldRows = await describeNew(
    deps,
    fieldPlan.rows,
    new Set(fieldPlan.newNames.map((n) => fieldKey(n.source, n.name))),
    (f) => ({ kind: 'field', name: f.name, source: f.source, type: f.inferredType, examples: f.examples }),
    (f) => fieldKey(f.source, f.name),
  );
  const entitiesAfter = overlay(current.entities, entityRows, (e) => e.name);
  const fieldsAfter = overlay(current.fields, fieldRows, (f) => fieldKey(f.source, f.name));
  const evidence = {
    coAnnotated: await coAnnotatedPairs(tx, entityPlan.newNames),
    ...(await embeddingNeighbours(tx, deps, entityPlan.newNames, fieldPlan.newNames, entitiesAfter, fieldsAfter)),
  };
  const conflicts = await withoutColumnsOfOneFile(
    tx,
    findConflicts(deps, entityPlan.newNames, fieldPlan.newNames, entitiesAfter, fieldsAfter, current.raised, evidence),
  );
  const catalog = canonicalCatalog(catalogOf(entitiesAfter, fieldsAfter));
  const changes = diffCatalogs(current.latest?.catalog ?? { entityTypes: [], fields: [] }, catalog);
  return {
    entityRows,
    fieldRows,
    newEntityTypes: entityPlan.newNames,
    newFields: fieldPlan.newNames,
    entitiesAfter,
    fieldsAfter,
    conflicts,
    catalog,
    changes,
    bump: bumpFor(changes),
  };
}

/** `current` with `changed` rows in place of (or added to) theirs. */
function overlay<T>(current: readonly T[], changed: readonly T[], key: (row: T) => string): T[] {
  const out = new Map(current.map((r) => [key(r), r]));
  for (const r of changed) out.set(key(r), r);
  return [...out.values()];
}
