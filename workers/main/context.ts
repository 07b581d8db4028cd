// The main Worker's Hono context: its bindings, and this request's deps on `c.var.deps`.
import type { MiddlewareHandler } from 'hono';
import type { RunQuery } from '../../lib/reports/deps.ts';
import { type Deps, withDeps } from '../deps.ts';
import type { HttpConfig } from './config.ts';
import type { ConsoleSession } from './console/session.ts';

/** The main Worker's name in logs and in the warehouse's application_name. */
export const WORKER = 'living-schema';

/** `runQuery`: this invocation's query engine (workers/main/query-engine.ts). */
export type AppEnv = {
  Bindings: Env;
  // `session`: the console sign-in (console routes); `consolePage`: errors answer as a console page.
  Variables: { deps: Deps; config: HttpConfig; runQuery: RunQuery; session?: ConsoleSession; consolePage?: boolean };
};

/**
 * Puts this request's deps on the context for the handlers after it, and releases them once the
 * response is made (the warehouse client closes in waitUntil, not delaying the response).
 */
export const provideDeps: MiddlewareHandler<AppEnv> = (c, next) =>
  withDeps(c.env, c.executionCtx, WORKER, async (deps) => {
    c.set('deps', deps);
    await next();
  });
