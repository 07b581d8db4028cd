// The main Worker's app with a test's query engine for POST /api/ask on the context (everything else as
// deployed), as the ask tests call it.
import { Hono } from 'hono';
import { app } from '../../workers/main/app.ts';
import type { AskEngineFactory } from '../../workers/main/ask-deps.ts';
import type { AppEnv } from '../../workers/main/context.ts';
import type { TestAskEngine } from '../support/ask-engine.ts';

export function appWithAskEngine(test: TestAskEngine): Hono<AppEnv> {
  const engine: AskEngineFactory = (_env, deps) => test.engine(deps);
  const harness = new Hono<AppEnv>();
  harness.use(async (c, next) => {
    c.set('askEngine', engine);
    await next();
  });
  return harness.route('/', app);
}
