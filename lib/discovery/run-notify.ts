// A run's last step, notify: its Slack digest queued in the outbox inside the run's transaction, and
// delivered (with any older undelivered ones) once the transaction has committed.
import { enqueueMessage, type FlushResult, flushOutbox } from '../notify/slack-outbox.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { fieldKey } from './catalog.ts';
import { buildDigest } from './digest.ts';
import type { DiscoveryDeps } from './run.ts';
import type { RunPlan } from './run-plan.ts';
import type { SnapshotSummary } from './run-report.ts';

/** Queues the run's digest when it published a snapshot or raised a conflict; says whether it did. */
export async function queueDigest(
  tx: WarehouseSession,
  deps: Pick<DiscoveryDeps, 'config' | 'newId' | 'publicUrl'>,
  run: {
    readonly runId: string;
    readonly now: Date;
    readonly loads: number;
    readonly plan: RunPlan;
    readonly snapshot: SnapshotSummary | null;
  },
): Promise<boolean> {
  const { runId, plan, snapshot } = run;
  if (snapshot === null && plan.conflicts.length === 0) return false;
  const statusOf = new Map(plan.entitiesAfter.map((e) => [e.name, e]));
  const typeOf = new Map(plan.fieldsAfter.map((f) => [fieldKey(f.source, f.name), f.inferredType]));
  await enqueueMessage(tx, {
    id: deps.newId(),
    dedupeKey: `discovery-run:${runId}`,
    runId,
    now: run.now,
    payload: buildDigest({
      runId,
      publicUrl: deps.publicUrl,
      loads: run.loads,
      snapshot,
      newEntityTypes: plan.newEntityTypes.map((name) => ({
        name,
        status: statusOf.get(name)?.status ?? 'candidate',
        description: statusOf.get(name)?.description ?? null,
      })),
      newFields: plan.newFields.map((f) => ({ ...f, type: typeOf.get(fieldKey(f.source, f.name)) ?? 'varchar' })),
      otherChanges: snapshot ? plan.changes.filter((c) => c.change !== 'added').map((c) => c.reason) : [],
      conflicts: plan.conflicts,
      maxConflicts: deps.config.slackConflicts,
    }),
  });
  return true;
}

/** After the run committed: sends the digests waiting in the outbox, oldest first (see flushOutbox). */
export async function deliverDigests(
  deps: Pick<DiscoveryDeps, 'warehouse' | 'slackWebhookUrl' | 'fetcher' | 'clock' | 'log'>,
): Promise<FlushResult> {
  return flushOutbox(deps.warehouse, {
    webhookUrl: deps.slackWebhookUrl,
    fetcher: deps.fetcher,
    now: deps.clock,
    log: deps.log,
  });
}
