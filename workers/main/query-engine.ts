// The query engine the main Worker runs user SQL through: POST /api/query and saved reports alike.
import { runQuery } from '../../lib/query/run.ts';
import type { RunQuery } from '../../lib/reports/deps.ts';
import type { Deps } from '../deps.ts';

/** Makes the runner of one invocation from its bindings and deps. */
export type QueryEngine = (env: Env, deps: Deps) => RunQuery;

/** runQuery (lib/query/run.ts) over the invocation's deps; tests pass their own (createApp, createMainWorker). */
export const queryEngine: QueryEngine = (_env, deps) => (request) => runQuery(deps, request);
