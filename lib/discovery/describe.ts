// Descriptions of new names by an injected describer (Workers AI when configured), within a per-run budget;
// the deterministic description stays when there is none or it fails.
import { errorMessage } from '../errors.ts';
import type { DiscoveryDeps } from './run.ts';

/** Writes a better description of a new name, or null (Workers AI when configured). */
export type Describer = (entry: {
  readonly kind: 'entity_type' | 'field';
  readonly name: string;
  readonly source?: string;
  readonly type?: string;
  readonly examples: readonly string[];
}) => Promise<{ readonly text: string; readonly source: string } | null>;

/** New names get an AI description when a describer is configured (at most aiDescriptionsPerRun). */
export async function describeNew<
  T extends { readonly description: string | null; readonly descriptionSource: string | null },
>(
  deps: Pick<DiscoveryDeps, 'describe' | 'config' | 'log'>,
  rows: readonly T[],
  fresh: ReadonlySet<string>,
  entry: (row: T) => Parameters<Describer>[0],
  key: (row: T) => string,
): Promise<T[]> {
  const describe = deps.describe;
  if (!describe) return [...rows];
  let budget = deps.config.aiDescriptionsPerRun;
  const out: T[] = [];
  for (const row of rows) {
    if (budget > 0 && fresh.has(key(row))) {
      budget--;
      try {
        const better = await describe(entry(row));
        if (better) {
          out.push({ ...row, description: better.text, descriptionSource: better.source });
          continue;
        }
      } catch (error) {
        deps.log.warn('discovery: AI description failed; keeping the deterministic one', {
          name: key(row),
          error: errorMessage(error),
        });
      }
    }
    out.push(row);
  }
  return out;
}
