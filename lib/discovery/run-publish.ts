// A run's fourth step, publish: one snapshot when the plan changes the catalog, numbered and chained to
// the latest one; none when it does not.
import type { WarehouseSession } from '../warehouse/port.ts';
import type { EntityRow, FieldRow } from './catalog.ts';
import { insertSnapshot, type SnapshotRow, type SnapshotStats } from './catalog-tables/schema-snapshots.ts';
import type { RunPlan } from './run-plan.ts';
import type { SnapshotSummary } from './run-report.ts';
import { contentHash, nextSemver } from './snapshot.ts';

export async function publishSnapshot(
  tx: WarehouseSession,
  latest: SnapshotRow | null,
  plan: RunPlan,
  runId: string,
  now: Date,
): Promise<SnapshotSummary | null> {
  const { bump, catalog, changes } = plan;
  if (bump === null) return null;
  const version = (latest?.version ?? 0) + 1;
  const semver = nextSemver(latest?.semver ?? '0.0.0', bump);
  // Over the catalog only: the stats move every hour, the published names do not.
  const hash = await contentHash(catalog);
  await insertSnapshot(tx, {
    version,
    semver,
    bump,
    publishedAt: now,
    catalog,
    diff: changes,
    contentHash: hash,
    previousHash: latest?.contentHash ?? null,
    runId,
    stats: snapshotStats(plan.entitiesAfter, plan.fieldsAfter),
  });
  return { version, semver, bump, changes: changes.length, contentHash: hash };
}

const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

/** What the catalog's rows hold for every published name, as the snapshot stores it. */
export function snapshotStats(entities: readonly EntityRow[], fields: readonly FieldRow[]): SnapshotStats {
  return {
    entityTypes: entities.map((e) => ({
      name: e.name,
      occurrences: e.occurrences,
      documents: e.documents,
      proposals: e.proposals,
      firstSeen: isoOrNull(e.firstSeen),
      lastSeen: isoOrNull(e.lastSeen),
      examples: [...e.examples],
    })),
    fields: fields.map((f) => ({
      source: f.source,
      name: f.name,
      occurrences: f.occurrenceCount,
      nulls: f.nullCount,
      loads: f.loadCount,
      firstSeen: isoOrNull(f.firstSeen),
      lastSeen: isoOrNull(f.lastSeen),
      examples: [...f.examples],
      observedTypes: { ...f.observedTypes },
    })),
  };
}
