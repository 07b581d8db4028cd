// A run's first step, observe: the catalog as the run finds it, the loads no run has taken in, and the
// entity types and fields as those loads leave them.
import { compareCodePoints } from '../core/order.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { type ActivityObservation, observeActivity } from './activity.ts';
import {
  advanceEntity,
  type DiscoveryConfig,
  type EntityObservation,
  type EntityRow,
  type FieldObservation,
  type FieldRow,
  fieldKey,
  needsExamples,
} from './catalog.ts';
import { raisedPairs } from './catalog-tables/entity-conflicts.ts';
import { readEntityRows } from './catalog-tables/entity-types.ts';
import { readFieldRows } from './catalog-tables/field-definitions.ts';
import { latestSnapshot, type SnapshotRow } from './catalog-tables/schema-snapshots.ts';
import {
  closedEntityTypes,
  entityDeltas,
  observeEntityTypes,
  observeFields,
  type PendingLoad,
  pendingLoads,
  sampleFieldExamples,
} from './observe.ts';
import type { RunPhase } from './run-report.ts';

/** The catalog before the run: its rows, the latest snapshot, and every pair ever raised. */
export interface CatalogState {
  readonly entities: readonly EntityRow[];
  readonly fields: readonly FieldRow[];
  readonly latest: SnapshotRow | null;
  readonly raised: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface EntityObservations {
  readonly observed: readonly EntityObservation[];
  /** Names the observations are complete for (see planEntityTypes). */
  readonly covered: 'all' | readonly string[];
  /** Names moved on by their new rows, and names recounted. */
  readonly added: number;
  readonly recounted: number;
}

export interface RunObservation {
  /** Every load no run has taken in, oldest first. */
  readonly loads: readonly PendingLoad[];
  /** More of them than maxLoadsPerRun. */
  readonly backlog: boolean;
  /** Whether the run recounts everything: asked to, or a backlog. */
  readonly full: boolean;
  readonly current: CatalogState;
  readonly entities: EntityObservations;
  /** Fields of the loads (of every load when full), with examples for those that still lack them. */
  readonly fields: readonly FieldObservation[];
  /** The newest activity per dataset and source once the loads are taken in (staleness is measured against it). */
  readonly activity: ActivityObservation;
}

/** Observes what the run works from; `lap` times the phases (catalog, entity types, fields, examples). */
export async function observeRun(
  tx: WarehouseSession,
  config: DiscoveryConfig,
  requestedFull: boolean,
  lap: (phase: RunPhase) => void,
): Promise<RunObservation> {
  // Every load no run has taken in: the catalog always reflects exactly the loads taken in so far, which
  // is what lets a run add new rows to it instead of recounting. Too many of them: recount instead.
  const loads = await pendingLoads(tx);
  const backlog = loads.length > config.maxLoadsPerRun;
  const full = requestedFull || backlog;
  const current = await readCatalog(tx);
  lap('catalogMs');
  const entities = await observeEntities(tx, config, loads, full, current.entities);
  lap('entityTypesMs');
  const observed = await observeFields(tx, full ? 'all' : loads);
  lap('fieldsMs');
  const fields = await withExamples(tx, config, observed, current.fields);
  lap('examplesMs');
  const activity = await observeActivity(tx, full ? 'all' : loads);
  return { loads, backlog, full, current, entities, fields, activity };
}

async function readCatalog(tx: WarehouseSession): Promise<CatalogState> {
  const [entities, fields, latest, raised] = [
    await readEntityRows(tx),
    await readFieldRows(tx),
    await latestSnapshot(tx),
    await raisedPairs(tx),
  ];
  return { entities, fields, latest, raised };
}

/** Observed fields with example values, sampled for the fields the catalog has none for yet. */
async function withExamples(
  tx: WarehouseSession,
  config: DiscoveryConfig,
  observed: readonly (FieldObservation & { readonly latestLoad: string })[],
  current: readonly FieldRow[],
): Promise<FieldObservation[]> {
  const fieldsByKey = new Map(current.map((f) => [fieldKey(f.source, f.name), f]));
  const wanting = observed.filter((o) => needsExamples(fieldsByKey.get(fieldKey(o.source, o.name)), config));
  const samples = await sampleFieldExamples(tx, wanting, config.examples);
  const examples = new Map(wanting.map((o, i) => [fieldKey(o.source, o.name), samples[i] ?? []]));
  return observed.map(({ latestLoad: _, ...o }) => ({
    ...o,
    examples: examples.get(fieldKey(o.source, o.name)) ?? [],
  }));
}

/**
 * Entity types as the loads leave them. A full run recounts every name. Otherwise names that only gained
 * rows are moved on by those rows (advanceEntity), and the rest the loads touched are recounted: names
 * that lost rows (superseded, or no longer submitted), new names, and names whose examples could change.
 */
async function observeEntities(
  tx: WarehouseSession,
  config: DiscoveryConfig,
  loads: readonly PendingLoad[],
  full: boolean,
  current: readonly EntityRow[],
): Promise<EntityObservations> {
  const q = config.proposalQuestion;
  if (full) {
    const observed = await observeEntityTypes(tx, { proposalQuestion: q, examples: config.examples, names: 'all' });
    return { observed, covered: 'all', added: 0, recounted: observed.length };
  }
  const closed = new Set(await closedEntityTypes(tx, loads, q));
  const byName = new Map(current.map((r) => [r.name, r]));
  const advanced: EntityObservation[] = [];
  const recount = new Set(closed);
  for (const delta of await entityDeltas(tx, loads, q)) {
    const next = closed.has(delta.name) ? null : advanceEntity(byName.get(delta.name), delta, config);
    if (next) advanced.push(next);
    else recount.add(delta.name);
  }
  const names = [...recount].sort(compareCodePoints);
  const recounted = await observeEntityTypes(tx, { proposalQuestion: q, examples: config.examples, names });
  return {
    observed: [...advanced, ...recounted],
    covered: [...names, ...advanced.map((a) => a.name)],
    added: advanced.length,
    recounted: names.length,
  };
}
