// Request input for the main Worker's routes: zod parsing that turns a mismatch into a 400 naming the
// fields, and JSON bodies.
import type { Context } from 'hono';
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

/** An HTML form's fields (the last value of a repeated field); hono caches the parse for later readers. */
export async function formBody(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b|^multipart\/form-data\b/i.test(type)) {
    throw new AppError('bad_request', 'the body is not a form (application/x-www-form-urlencoded)');
  }
  const fields = await c.req.parseBody();
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
