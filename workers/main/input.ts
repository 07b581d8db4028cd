// Request input for the main Worker's routes: zod parsing that turns a mismatch into a 400 naming the
// fields, and JSON bodies.
import type { z } from 'zod';
import { AppError } from '../../lib/errors.ts';

/** `value` as `schema` says, or bad_request listing each issue as `field: message`. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new AppError(
      'bad_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
}

/** The request's JSON body; an empty body is `{}`. */
export async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('bad_request', 'the body is not valid JSON');
  }
}
