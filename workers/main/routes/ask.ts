// POST /api/ask: a question in words, answered with one checked SELECT that Workers AI proposes, run only when
// asked (lib/ask/ask.ts, docs/ask.md). A write: every call is billed, so it needs the bearer token.
import { Hono } from 'hono';
import { z } from 'zod';
import { askQuestion } from '../../../lib/ask/ask.ts';
import { AppError } from '../../../lib/errors.ts';
import { MAX_ROW_LIMIT, QUERY_MODES, type QueryMode } from '../../../lib/query/contract.ts';
import { checkQuery } from '../../../lib/query/run.ts';
import { parseInstant } from '../../../lib/schema/instant.ts';
import { createAskDeps } from '../ask-deps.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { QueryResultSchema } from './query.ts';

export const askRoutes = new Hono<AppEnv>();

/** The longest question taken (characters). */
export const MAX_QUESTION_CHARS = 2_000;

const Mode = z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]);

export const AskBody = z
  .object({
    question: z.string().trim().min(1).max(MAX_QUESTION_CHARS).meta({ description: 'the question, in words' }),
    execute: z.boolean().default(false).meta({ description: 'run the proposed SQL and return its result' }),
    mode: Mode.default('live').meta({ description: 'the mode the SQL is written for (its schema) and run in' }),
    at: z.string().optional().meta({ description: 'time_travel: an instant, as GET /api/schema/at/:instant takes it' }),
    version: z.number().int().min(1).optional().meta({ description: 'snapshot: the schema version' }),
    limit: z.number().int().min(1).max(MAX_ROW_LIMIT).optional().meta({ description: 'rows at most, when executed' }),
  })
  .superRefine((body, ctx) => {
    const wrong = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (body.mode === 'time_travel' && body.at === undefined) wrong('at', 'time_travel needs `at`');
    if (body.mode !== 'time_travel' && body.at !== undefined) wrong('at', '`at` is for time_travel only');
    if (body.mode === 'snapshot' && body.version === undefined) wrong('version', 'snapshot needs `version`');
    if (body.mode !== 'snapshot' && body.version !== undefined) wrong('version', '`version` is for snapshot only');
  });

const Usage = z
  .object({
    promptTokens: z.number().nullable(),
    completionTokens: z.number().nullable(),
    totalTokens: z.number().nullable(),
  })
  .nullable()
  .meta({ description: 'tokens as the model reported them (what the call is billed on); null when it reported none' });

const Answered = z.object({
  question: z.string(),
  model: z.string().meta({ description: 'the Workers AI model (ASK_MODEL)' }),
  schemaVersion: z.number().meta({ description: 'the schema version the prompt showed' }),
  examples: z.number().meta({ description: 'saved reports the prompt showed' }),
  usage: Usage,
});

export const AskProposal = Answered.extend({
  sql: z.string().meta({ description: 'the proposed SELECT, as the safety check passed it' }),
  executed: z.boolean(),
  result: QueryResultSchema.nullable().meta({ description: 'the query result when `execute` was true, else null' }),
}).meta({ id: 'AskProposal' });

export const AskRefusal = z
  .object({
    error: z.object({ code: z.literal('proposal_refused'), message: z.string() }),
    proposal: Answered.extend({
      sql: z.string().nullable().meta({ description: 'the SQL taken from the answer; null when it had none' }),
      answer: z.string().meta({ description: "the model's whole answer" }),
    }),
  })
  .meta({ id: 'AskRefusal' });

const postAsk = describeRoute({
  summary: 'ask in words: Workers AI proposes one SELECT, checked like POST /api/query, run only with execute: true',
  description:
    'The prompt holds the schema in the `prompt` format for the mode (current, at `at`, or `version`) and up to 5 ' +
    'saved reports as examples (docs/ask.md). A proposal the safety check refuses, or an answer without a SELECT, is ' +
    '422 `proposal_refused` and never runs. 501: no AI binding or no local Workers AI; 502: ' +
    'Workers AI refused the request; 503: it is busy, timed out or failed.',
  tags: ['query'],
  access: 'write',
  body: AskBody,
  responses: {
    200: { description: 'the proposed SQL, and its result when executed', schema: AskProposal },
    404: { description: 'no schema snapshot for the mode (none published yet, none at `at`, no such version)' },
    422: { description: 'the proposal was refused: what, and why', schema: AskRefusal },
    501: { description: 'Workers AI is not available to this Worker' },
    502: { description: 'Workers AI refused the request (the model, the input or the account)' },
    503: { description: 'Workers AI is busy, timed out or failed; try again' },
  },
});

askRoutes.post('/api/ask', postAsk, async (c) => {
  const body = await postAsk.body(c);
  let at: Date | undefined;
  if (body.at !== undefined) {
    const parsed = parseInstant(body.at);
    if (!(parsed instanceof Date)) throw new AppError('bad_request', `at: ${parsed.error}`);
    at = parsed;
  }
  const engine = { check: (sql: string) => checkQuery(c.var.deps, sql), run: c.var.runQuery };
  const deps = createAskDeps(c.env, c.var.deps, (work) => c.executionCtx.waitUntil(work), engine);
  const outcome = await askQuestion(deps, {
    question: body.question,
    execute: body.execute,
    mode: body.mode,
    ...(at === undefined ? {} : { at }),
    ...(body.version === undefined ? {} : { version: body.version }),
    ...(body.limit === undefined ? {} : { limit: body.limit }),
    executedBy: 'ask',
  });
  if (outcome.kind === 'refused') {
    const { kind: _, refused, ...proposal } = outcome;
    return c.json(
      { error: { code: 'proposal_refused', message: refused }, proposal } satisfies z.infer<typeof AskRefusal>,
      422,
    );
  }
  const { kind: _, ...proposal } = outcome;
  return c.json(proposal);
});
