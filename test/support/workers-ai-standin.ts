// A stand-in for the Workers AI binding (env.AI) at its boundary, shaped like the real one: `run(model, inputs)`
// validates `messages` as the service does, answers `{ response, usage }`, and fails as the binding throws
// (workerd's ai-api.ts: an InferenceUpstreamError whose message is "<internal code>: <description>" and whose
// name is the service's). It records every call, so a test can read the prompt the model received.
import { DEFAULT_ASK_MODEL } from '../../lib/ask/model.ts';

/** The error class the AI binding throws for a failed inference. */
export class InferenceUpstreamError extends Error {
  constructor(message: string, name = 'InferenceUpstreamError') {
    super(message);
    this.name = name;
  }
}

export interface StandInMessage {
  readonly role: string;
  readonly content: string;
}

export interface StandInCall {
  readonly model: string;
  readonly inputs: Record<string, unknown>;
  readonly messages: readonly StandInMessage[];
}

/** What the model does with a call: answer text, or fail with what the binding would throw. */
export type StandInReply = (call: StandInCall) => string | Error;

/** Workers AI's error for input its schema refuses (code 5006, "Bad input"). */
const badInput = (detail: string) =>
  new InferenceUpstreamError(`5006: Bad input: Error: oneOf at '/' not met, 0 matches: ${detail}`, 'AiError');

function validMessages(inputs: Record<string, unknown>): StandInMessage[] | Error {
  if (!('messages' in inputs)) {
    return badInput("required properties at '/' are 'prompt', required properties at '/' are 'messages'");
  }
  const { messages } = inputs;
  if (!Array.isArray(messages)) {
    return badInput(
      `required properties at '/' are 'prompt', Type mismatch of '/messages', '${typeof messages}' not in 'array'`,
    );
  }
  for (const [i, m] of messages.entries()) {
    if (typeof m !== 'object' || m === null || !('role' in m) || !('content' in m)) {
      return badInput(
        `required properties at '/' are 'prompt', required properties at '/messages/${i}' are 'role,content'`,
      );
    }
    if (typeof m.role !== 'string') {
      return badInput(
        `required properties at '/' are 'prompt', Type mismatch of '/messages/${i}/role', '${typeof m.role}' not in 'string'`,
      );
    }
    if (typeof m.content !== 'string') {
      return badInput(
        `required properties at '/' are 'prompt', Type mismatch of '/messages/${i}/content', '${typeof m.content}' not in 'string'`,
      );
    }
  }
  for (const key of ['max_tokens', 'temperature'] as const) {
    if (key in inputs && typeof inputs[key] !== 'number') {
      return badInput(`Type mismatch of '/${key}', '${typeof inputs[key]}' not in 'number'`);
    }
  }
  return messages as StandInMessage[];
}

const tokens = (text: string) => Math.ceil(text.length / 4);

/** The binding's one method used here; a workerd test passes it as env.AI (`as unknown as Ai`). */
export interface AiStandInBinding {
  run(model: unknown, inputs: unknown): Promise<unknown>;
}

/** A stand-in AI binding serving `models` (the default ASK_MODEL unless told), and the calls it received. */
export function workersAiStandIn(
  reply: StandInReply,
  options: { models?: readonly string[] } = {},
): { binding: AiStandInBinding; calls: StandInCall[] } {
  const models = options.models ?? [DEFAULT_ASK_MODEL];
  const calls: StandInCall[] = [];
  const run = async (model: unknown, inputs: unknown): Promise<unknown> => {
    if (typeof model !== 'string' || !models.includes(model)) {
      throw new InferenceUpstreamError(`5007: No such model ${String(model)} or task`, 'AiError');
    }
    if (typeof inputs !== 'object' || inputs === null) throw badInput("Type mismatch of '/', 'null' not in 'object'");
    const record = inputs as Record<string, unknown>;
    const messages = validMessages(record);
    if (messages instanceof Error) throw messages;
    const call = { model, inputs: record, messages };
    calls.push(call);
    const answer = reply(call);
    if (answer instanceof Error) throw answer;
    const prompt = tokens(messages.map((m) => m.content).join(''));
    const completion = tokens(answer);
    return {
      response: answer,
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    };
  };
  return { binding: { run }, calls };
}
