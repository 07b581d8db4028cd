// Route guards of the main Worker.
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../lib/errors.ts';
import { bearerMatches } from '../../lib/http/auth.ts';
import { isLocalDev } from '../deps.ts';
import type { AppEnv } from './context.ts';

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
