// The query engine the main Worker runs user SQL through: POST /api/query and saved reports alike.
import { type QueryDeps, runQuery } from '../../lib/query/run.ts';
import type { RunQuery } from '../../lib/reports/deps.ts';
import type { Deps } from '../deps.ts';

/** Makes the runner of one invocation from its bindings and deps (and, for a request, where to defer work). */
export type QueryEngine = (env: Env, deps: Deps & Pick<QueryDeps, 'defer'>) => RunQuery;

/** runQuery (lib/query/run.ts) over the invocation's deps; tests pass their own (createApp, createMainWorker). */
export const queryEngine: QueryEngine = (_env, deps) => (request) => runQuery(deps, request);
