// Route guards of the main Worker.
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../lib/errors.ts';
import { bearerMatches } from '../../lib/http/auth.ts';
import { isLocalDev } from '../deps.ts';
import { readSession, requireSameOrigin } from './console/session.ts';
import type { AppEnv } from './context.ts';
import { formBody } from './input.ts';

type Guard = MiddlewareHandler<AppEnv>;

/** Write endpoints need `Authorization: Bearer <API_TOKEN>`. */
export const requireToken: Guard = async (c, next) => {
  if (!(await bearerMatches(c.req.header('authorization'), c.env.API_TOKEN ?? ''))) {
    throw new AppError('unauthorized', 'missing or wrong bearer token');
  }
  await next();
};

/** Reads: open, or (READ_AUTH=token) the same bearer token writes need. */
export const readAccess: Guard = async (c, next) => {
  if (c.var.config.READ_AUTH === 'token') await requireToken(c, next);
  else await next();
};

/** Routes that only exist under `npm start` (LOCAL_DEV=true); 404 everywhere else. */
export const localOnly: Guard = async (c, next) => {
  if (!isLocalDev(c.env)) throw new AppError('not_found', `no route for ${c.req.method} ${c.req.path}`);
  await next();
};

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Console pages: a signed-in session (a page sends the browser to sign in and back; a form post without one is
 * 401), and on a form post this session's CSRF token. Puts the session on `c.var.session`.
 */
export const consoleSession: Guard = async (c, next) => {
  const session = await readSession(c, c.var.deps.clock());
  const safe = SAFE_METHODS.has(c.req.method);
  if (!session) {
    if (!safe)
      throw new AppError(
        'unauthorized',
        'no console session came with this form (signed out, expired, or posted from another site): sign in again',
      );
    const url = new URL(c.req.url);
    return c.redirect(`/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
  }
  if (!safe) {
    await requireSameOrigin(c);
    const { csrf } = await formBody(c);
    if (!csrf || !(await bearerMatches(`Bearer ${csrf}`, session.csrf))) {
      throw new AppError(
        'forbidden',
        'this form is from another session or has expired: reload the page and try again',
      );
    }
  }
  c.set('session', session);
  await next();
};
