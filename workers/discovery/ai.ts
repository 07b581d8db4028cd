// Descriptions from Workers AI, when an `AI` binding is configured (see docs/discovery.md, "Lifecycle and descriptions").
import { z } from 'zod';
import type { Describer } from '../../lib/discovery/describe.ts';

/** The one method of the Workers AI binding this uses. */
export interface AiBinding {
  run(model: string, inputs: Record<string, unknown>): Promise<unknown>;
}

const Answer = z.object({ response: z.string() });

/** A describer that asks `model` for one plain sentence; nothing usable back means no description. */
export function aiDescriber(ai: AiBinding, model: string): Describer {
  return async (entry) => {
    const what =
      entry.kind === 'entity_type'
        ? `the entity type "${entry.name}" that experts annotate in shipping documents`
        : `the field "${entry.name}" (${entry.type}) of the dataset "${entry.source}"`;
    const examples =
      entry.examples.length > 0 ? ` Examples of values: ${entry.examples.map((e) => `"${e}"`).join(', ')}.` : '';
    const answer = Answer.safeParse(
      await ai.run(model, {
        messages: [
          {
            role: 'system',
            content:
              'You write one-sentence catalog descriptions for a data warehouse. Answer with the sentence only, at most 30 words, no quotes.',
          },
          { role: 'user', content: `Describe ${what}.${examples}` },
        ],
        max_tokens: 80,
      }),
    );
    const text = answer.success ? answer.data.response.trim().replace(/^"|"$/g, '') : '';
    if (text === '' || text.length > 400) return null;
    return { text, source: `ai:${model}` };
  };
}
