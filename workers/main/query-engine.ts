// The query engine the main Worker runs user SQL through: saved reports now, POST /api/query at merge.
import { AppError } from '../../lib/errors.ts';
import type { RunQuery } from '../../lib/reports/deps.ts';
import type { Deps } from '../deps.ts';

/** Makes the runner of one invocation from its bindings and deps. */
export type QueryEngine = (env: Env, deps: Deps) => RunQuery;

/**
 * NOTE(merge): wire `runQuery` (lib/query/run.ts) here: `(env, deps) => (request) => runQuery(deps, request)`.
 * Until then a report run answers 500 saying so; the tests pass their own engine (createApp, createMainWorker).
 */
export const queryEngine: QueryEngine = () => async () => {
  throw new AppError('internal', 'the query engine (lib/query/run.ts) is not wired into the main Worker yet');
};
