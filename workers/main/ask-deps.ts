// What POST /api/ask needs from the main Worker: the AI binding and its model (ASK_MODEL), the schema API's
// reads, and the query engine that checks and runs SQL.
import type { AskDeps, QueryRunner, SqlCheck } from '../../lib/ask/ask.ts';
import { DEFAULT_ASK_MODEL, type TextGenerationPort } from '../../lib/ask/model.ts';
import { AppError } from '../../lib/errors.ts';
import { type Deps, schemaCache } from '../deps.ts';

/** The query engine's check and runner for one invocation. */
export interface AskEngine {
  readonly check: SqlCheck;
  readonly run: QueryRunner;
}

/** The AI binding as the port lib/ask calls, for any configured model name. */
function textGeneration(ai: Ai): TextGenerationPort {
  return { run: (model, inputs) => ai.run(model, { ...inputs }) };
}

/** Dependencies of /api/ask; not_implemented (501) when the Worker has no AI binding. */
export function createAskDeps(
  env: Env,
  base: Deps,
  defer: (work: Promise<unknown>) => void,
  engine: AskEngine,
): AskDeps {
  const ai = (env as { AI?: Ai }).AI;
  if (!ai) {
    throw new AppError(
      'not_implemented',
      'POST /api/ask needs Workers AI and this Worker has no AI binding: add [ai] binding = "AI" to its wrangler config',
    );
  }
  const { check, run } = engine;
  return {
    schema: { warehouse: base.warehouse, cache: schemaCache(env.SCHEMA_CACHE), log: base.log, defer },
    model: { name: env.ASK_MODEL?.trim() || DEFAULT_ASK_MODEL, port: textGeneration(ai) },
    check,
    run,
    log: base.log,
  };
}
