// One call to a Workers AI text-generation model through the AI binding, behind a one-method port: its output
// checked (`{response, usage?}`, or a bare string), and what the binding throws turned into one AppError.
import { z } from 'zod';
import { AppError, errorMessage } from '../errors.ts';
import type { ChatMessage } from './prompt.ts';

/** The model POST /api/ask uses when ASK_MODEL is empty. */
export const DEFAULT_ASK_MODEL = '@cf/meta/llama-3.3-70b-instruct-fp8-fast';

/** Tokens the model may write: a long SELECT fits; a runaway answer is cut (and then usually refused). */
export const ASK_MAX_TOKENS = 1_024;

export interface TextGenerationInput {
  readonly messages: readonly ChatMessage[];
  readonly max_tokens: number;
  readonly temperature: number;
}

/** The AI binding as /api/ask uses it: `env.AI.run(model, inputs)`. */
export interface TextGenerationPort {
  run(model: string, inputs: TextGenerationInput): Promise<unknown>;
}

const Count = z.number().int().min(0).optional();

/** What a chat model answers without streaming; some models answer a bare string. */
export const ModelOutput = z.union([
  z.string(),
  z.object({
    response: z.string(),
    usage: z.object({ prompt_tokens: Count, completion_tokens: Count, total_tokens: Count }).optional(),
  }),
]);

export interface ModelUsage {
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly totalTokens: number | null;
}

export interface ModelAnswer {
  readonly text: string;
  /** Tokens, as the model reports them (null when it reports none): what the call is billed on. */
  readonly usage: ModelUsage | null;
}

// Workers AI's internal codes that mean "try again": timeout, aborted, out of capacity (its errors page).
const TRANSIENT_CODES = new Set(['3007', '3008', '3040']);
const MAX_MESSAGE_CHARS = 400;

const cut = (text: string) => (text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 3)}...` : text);

/**
 * What the binding threw, as an AppError: no local simulation (501), timeouts and capacity (503, retryable),
 * anything else with an internal code (the model, the input or the account refused: 502), and a failure
 * without one (a 5xx body, the network: 503).
 */
export function modelError(error: unknown, model: string): AppError {
  const message = errorMessage(error);
  // NOTE: wrangler dev --local and the test pool bind AI to a proxy that throws this on every call.
  if (/needs to be run remotely/i.test(message)) {
    return new AppError(
      'not_implemented',
      'Workers AI is not reachable here: the AI binding has no local simulation (wrangler dev --local, the tests); POST /api/ask works on a deployed Worker',
      { cause: error },
    );
  }
  const code = /^(\d{4}):/.exec(message)?.[1];
  if (code !== undefined && !TRANSIENT_CODES.has(code)) {
    return new AppError('upstream_refused', `Workers AI refused the request for ${model}: ${cut(message)}`, {
      cause: error,
    });
  }
  const why = code === undefined ? 'failed' : 'is busy or timed out';
  return new AppError('upstream_unavailable', `Workers AI ${why} (${model}): ${cut(message)}; try again shortly`, {
    cause: error,
  });
}

/** The model's answer to `messages` (temperature 0: the same question should get the same SQL). */
export async function generateAnswer(
  port: TextGenerationPort,
  model: string,
  messages: readonly ChatMessage[],
): Promise<ModelAnswer> {
  let output: unknown;
  try {
    output = await port.run(model, { messages, max_tokens: ASK_MAX_TOKENS, temperature: 0 });
  } catch (error) {
    throw modelError(error, model);
  }
  const parsed = ModelOutput.safeParse(output);
  if (!parsed.success) {
    throw new AppError(
      'upstream_refused',
      `Workers AI (${model}) answered without a text response: ASK_MODEL must name a text-generation model that takes messages`,
    );
  }
  if (typeof parsed.data === 'string') return { text: parsed.data, usage: null };
  const { response, usage } = parsed.data;
  return {
    text: response,
    usage: usage
      ? {
          promptTokens: usage.prompt_tokens ?? null,
          completionTokens: usage.completion_tokens ?? null,
          totalTokens: usage.total_tokens ?? null,
        }
      : null,
  };
}
