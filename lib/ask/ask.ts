// askQuestion: a question in words to one checked SELECT (docs/ask.md). The schema in the `prompt` format (as
// the schema API serves it, from KV first) for the mode's instant or version, saved reports as examples, one
// model call, the SQL taken from its answer, the query engine's safety check; it runs only when asked to.
import type { Logger } from '../log.ts';
import type { QueryMode, QueryRequest, QueryResult } from '../query/contract.ts';
import { type SchemaServeDeps, type SchemaTarget, serveSchema } from '../schema/serve.ts';
import { readExamples } from './examples.ts';
import { extractSql } from './extract.ts';
import { generateAnswer, type ModelUsage, type TextGenerationPort } from './model.ts';
import { buildAskMessages } from './prompt.ts';

/** The query engine's safety check: whether `sql` may run, or what in it is refused. */
export type SqlCheck = (sql: string) => Promise<{ ok: true } | { ok: false; refused: string }>;
/** The query engine's runner (checks again, limits, times and logs the execution). */
export type QueryRunner = (request: QueryRequest) => Promise<QueryResult>;

export interface AskDeps {
  /** What the schema API reads the document with (KV first, then the warehouse, which also holds the reports). */
  readonly schema: SchemaServeDeps;
  readonly model: { readonly name: string; readonly port: TextGenerationPort };
  readonly check: SqlCheck;
  readonly run: QueryRunner;
  readonly log: Logger;
}

export interface AskRequest {
  readonly question: string;
  readonly execute: boolean;
  /** The mode the SQL is written for and run in; its schema is the one the prompt shows. */
  readonly mode: QueryMode;
  readonly at?: Date;
  readonly version?: number;
  readonly limit?: number;
  readonly executedBy: string;
}

interface Answered {
  readonly question: string;
  readonly model: string;
  /** The schema version the prompt showed. */
  readonly schemaVersion: number;
  /** How many saved reports the prompt showed. */
  readonly examples: number;
  readonly usage: ModelUsage | null;
}

export type AskOutcome =
  | (Answered & {
      readonly kind: 'proposed';
      readonly sql: string;
      readonly executed: boolean;
      readonly result: QueryResult | null;
    })
  | (Answered & {
      readonly kind: 'refused';
      /** What was refused and why, in words. */
      readonly refused: string;
      /** The SQL taken from the answer, when there was any. */
      readonly sql: string | null;
      /** The model's whole answer. */
      readonly answer: string;
    });

/** The schema document a mode's query sees: the current one, the one in force at `at`, or `version`. */
export function schemaTargetOf(request: Pick<AskRequest, 'mode' | 'at' | 'version'>): SchemaTarget {
  if (request.mode === 'time_travel' && request.at) {
    return { kind: 'at', instant: request.at, text: request.at.toISOString() };
  }
  if (request.mode === 'snapshot' && request.version !== undefined)
    return { kind: 'version', version: request.version };
  return { kind: 'current' };
}

/**
 * Answers one question (see the file comment). A refused proposal is a result; a missing schema (not_found),
 * a failing model (upstream_*) and a failing run are thrown as AppError.
 */
export async function askQuestion(deps: AskDeps, request: AskRequest): Promise<AskOutcome> {
  const served = await serveSchema(deps.schema, {
    target: schemaTargetOf(request),
    format: 'prompt',
    noCache: false,
  });
  const examples = await readExamples(deps.schema.warehouse);
  const messages = buildAskMessages({ schema: served.body ?? '', examples, question: request.question });
  const answer = await generateAnswer(deps.model.port, deps.model.name, messages);
  const answered: Answered = {
    question: request.question,
    model: deps.model.name,
    schemaVersion: Number(served.headers['x-schema-version']),
    examples: examples.length,
    usage: answer.usage,
  };
  const log = (outcome: string, fields: Record<string, unknown> = {}) =>
    deps.log.info('ask', { outcome, model: deps.model.name, ...answer.usage, examples: examples.length, ...fields });

  const extracted = extractSql(answer.text);
  if (!extracted.ok) {
    log('refused', { refused: extracted.refused });
    return { kind: 'refused', ...answered, refused: extracted.refused, sql: null, answer: answer.text };
  }
  const { sql } = extracted;
  const verdict = await deps.check(sql);
  if (!verdict.ok) {
    const refused = `the query safety check refused the model's SQL: ${verdict.refused}`;
    log('refused', { refused });
    return { kind: 'refused', ...answered, refused, sql, answer: answer.text };
  }
  if (!request.execute) {
    log('proposed');
    return { kind: 'proposed', ...answered, sql, executed: false, result: null };
  }
  const result = await deps.run({
    sql,
    mode: request.mode,
    ...(request.at === undefined ? {} : { at: request.at }),
    ...(request.version === undefined ? {} : { version: request.version }),
    ...(request.limit === undefined ? {} : { limit: request.limit }),
    executedBy: request.executedBy,
  });
  log('executed', { executionId: result.executionId, rows: result.rowCount });
  return { kind: 'proposed', ...answered, sql, executed: true, result };
}
