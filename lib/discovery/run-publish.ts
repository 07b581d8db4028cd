// A run's fourth step, publish: one snapshot when the plan changes the catalog, numbered and chained to
// the latest one, with its typed views created or replaced in the warehouse in the same transaction;
// none when it does not.
import { buildViews, createViewSql, dropViewSql, type SnapshotViews } from '../query/views.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import type { EntityRow, FieldRow } from './catalog.ts';
import { insertSnapshot, type SnapshotRow, type SnapshotStats, viewsOf } from './catalog-tables/schema-snapshots.ts';
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
  const views = buildViews(catalog);
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
    views,
  });
  await replaceViews(tx, latest === null ? null : viewsOf(latest), views);
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

/**
 * The warehouse's views as `next` defines them: the previous version's views it no longer has dropped, the
 * others created or replaced (inside the run's transaction: they change with the snapshot or not at all).
 */
export async function replaceViews(
  tx: WarehouseSession,
  previous: SnapshotViews | null,
  next: SnapshotViews,
): Promise<void> {
  const keep = new Set(next.views.map((v) => v.name));
  const statements = [
    ...(previous?.views ?? []).filter((v) => !keep.has(v.name)).map((v) => dropViewSql(v.name)),
    ...next.views.map(createViewSql),
  ];
  for (const sql of statements) await tx.execute(sql);
}
