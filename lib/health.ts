// Health of the pipeline as a user sees it: can we reach the warehouse, and is its schema migrated?
import { errorMessage } from './errors.ts';
import type { Warehouse } from './warehouse/port.ts';

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly warehouse: { readonly reachable: boolean; readonly roundTripMs: number | null; readonly error?: string };
  readonly migrations: { readonly applied: number; readonly latest: string | null; readonly error?: string };
}

export interface HealthDeps {
  readonly warehouse: Warehouse;
  /** Milliseconds, for the round-trip time. */
  readonly now: () => number;
}

/** One round trip to the warehouse plus the migration record; read-only. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const started = deps.now();
  try {
    await deps.warehouse.query('SELECT 1 AS ok');
  } catch (error) {
    return {
      status: 'unavailable',
      warehouse: { reachable: false, roundTripMs: null, error: errorMessage(error) },
      migrations: { applied: 0, latest: null, error: 'warehouse unreachable' },
    };
  }
  const roundTripMs = deps.now() - started;
  try {
    const rows = await deps.warehouse.query<{ applied: number; latest: string | null }>(
      'SELECT count(*)::INTEGER AS applied, max(name) AS latest FROM schema_migrations',
    );
    const row = rows[0] ?? { applied: 0, latest: null };
    return {
      status: 'ok',
      warehouse: { reachable: true, roundTripMs },
      migrations: { applied: row.applied, latest: row.latest },
    };
  } catch (error) {
    return {
      status: 'unavailable',
      warehouse: { reachable: true, roundTripMs },
      migrations: {
        applied: 0,
        latest: null,
        error: `no migration record (run npm run migrate): ${errorMessage(error)}`,
      },
    };
  }
}
