// The HTTP settings of the main Worker (wrangler.toml [vars]), read per request so a test can pass another env.
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';

/** CORS_ORIGINS: empty (no CORS headers), `*` (any origin, reads only) or exact origins, comma-separated. */
const CorsOrigins = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const list = value
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    if (list.length === 0) return { kind: 'none' } as const;
    if (list.length === 1 && list[0] === '*') return { kind: 'any' } as const;
    const wrong = list.filter((o) => !URL.canParse(o) || new URL(o).origin !== o);
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `expected empty, * or exact origins like https://app.example.com, not ${wrong.join(', ')}`,
      });
      return z.NEVER;
    }
    return { kind: 'list', origins: list } as const;
  });

export const HttpConfig = z.object({
  READ_AUTH: z.enum(['open', 'token'], { error: "expected 'open' or 'token'" }).default('open'),
  CORS_ORIGINS: CorsOrigins,
});
export type HttpConfig = z.infer<typeof HttpConfig>;

/** The env's HTTP settings; a wrong value fails every request (500) naming the variable. */
export function readHttpConfig(env: { readonly READ_AUTH?: string; readonly CORS_ORIGINS?: string }): HttpConfig {
  const parsed = HttpConfig.safeParse({ READ_AUTH: env.READ_AUTH || undefined, CORS_ORIGINS: env.CORS_ORIGINS });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new AppError('internal', `the Worker is misconfigured: ${problems}`);
  }
  return parsed.data;
}
