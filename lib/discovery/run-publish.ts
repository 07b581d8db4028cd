// A run's fourth step, publish: one snapshot when the plan changes the catalog, numbered and chained to
// the latest one; none when it does not.
import type { WarehouseSession } from '../warehouse/port.ts';
import { insertSnapshot, type SnapshotRow } from './catalog-tables/schema-snapshots.ts';
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
  });
  return { version, semver, bump, changes: changes.length, contentHash: hash };
}
