// What every loader shares: the values each inserted row carries, the batch id of a file without one,
// and closing the rows a load replaces.
import type { WarehouseSession } from '../../warehouse/port.ts';
import { type LoadContext, supersede, supersedeProbe } from '../load-sql.ts';
import type { Target } from '../routes.ts';
import type { LoadRequest } from './types.ts';

/** The object as messages name it: `bucket/key`. */
export function fileName(req: LoadRequest): string {
  return `${req.bucket}/${req.key}`;
}

/** The values every row of this load carries. */
export function loadContext(req: LoadRequest, batchId: string, schemaVersion: string | null): LoadContext {
  return {
    loadId: req.loadId,
    batchId,
    sourceKey: `r2://${req.bucket}/${req.key}`,
    schemaVersion,
    now: req.now,
    eventTime: req.eventTime,
    source: req.source,
    sourceFile: req.key,
  };
}

/** What closeSuperseded asks first: are there current rows of other loads, and is a later event's load in. */
export interface SupersedeProbe {
  readonly others: boolean;
  readonly later: boolean;
}

/**
 * The question closeSuperseded asks, sent now: its answer does not depend on this load's rows, so a loader
 * sends it with its first statements (one round trip for both) and passes the promise on.
 */
export function probeSuperseded(tx: WarehouseSession, target: Target, ctx: LoadContext): Promise<SupersedeProbe> {
  const probe = tx
    .query<{ others: boolean; later: boolean }>(supersedeProbe(target, ctx))
    .then(([found]) => ({ others: found?.others === true, later: found?.later === true }));
  // Awaited by closeSuperseded; a failure before that fails the statements after it too.
  probe.catch(() => {});
  return probe;
}

/**
 * Closes what this load replaces. One question first (`probe`, if the loader sent it already): are there
 * current rows of other loads at all (not in a table's first load, whose rows then need no comparing), and
 * is a later event's load in (rarely: the ordering then costs more)?
 */
export async function closeSuperseded(
  tx: WarehouseSession,
  target: Target,
  ctx: LoadContext,
  probe: Promise<SupersedeProbe> = probeSuperseded(tx, target, ctx),
): Promise<void> {
  const found = await probe;
  if (!found.others) return;
  for (const s of supersede(target, ctx, found.later)) await tx.execute(s.sql, s.params);
}

/** Batch id when the file does not carry one: stable for one object version. */
export function derivedBatchId(key: string, etag: string): string {
  return `${key}@${etag}`;
}
