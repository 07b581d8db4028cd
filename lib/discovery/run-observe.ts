// A run's first step: what changed since the last run, read from the warehouse.
import { compareCodePoints } from '../core/order.ts';
import type { WarehouseSession } from '../warehouse/port.ts';
import { advanceEntity, type DiscoveryConfig, type EntityObservation, type EntityRow } from './catalog.ts';
import { closedEntityTypes, entityDeltas, observeEntityTypes, type PendingLoad } from './observe.ts';

/**
 * Entity types as the loads leave them. A full run recounts every name. Otherwise names that only gained
 * rows are moved on by those rows (advanceEntity), and the rest the loads touched are recounted: names
 * that lost rows (superseded, or no longer submitted), new names, and names whose examples could change.
 */
export async function observeEntities(
  tx: WarehouseSession,
  config: DiscoveryConfig,
  loads: readonly PendingLoad[],
  full: boolean,
  current: readonly EntityRow[],
): Promise<{ observed: EntityObservation[]; covered: 'all' | readonly string[]; added: number; recounted: number }> {
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
