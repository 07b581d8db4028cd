// The main Worker's HTTP app, assembled: its settings, CORS, the deps middleware (and the query engine),
// one router per area, /openapi.json over all of them, the JSON 404 and 405, and the one error handler
// (AppError -> its status; anything else is logged and answers 500).
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { AppError, errorMessage } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { isLocalDev } from '../deps.ts';
import { readHttpConfig } from './config.ts';
import { consoleErrorPage, consoleRoutes } from './console/index.ts';
import { type AppEnv, provideDeps, WORKER } from './context.ts';
import { allowedMethods, type DocumentedRoute, routesOf } from './openapi.ts';
import { type QueryEngine, queryEngine } from './query-engine.ts';
import { argillaRoutes } from './routes/argilla.ts';
import { argillaWebhookRoutes } from './routes/argilla-webhook.ts';
import { askRoutes } from './routes/ask.ts';
import { conflictRoutes } from './routes/conflicts.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { healthRoutes } from './routes/health.ts';
import { ingestionRoutes } from './routes/ingestions.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { objectRoutes } from './routes/objects.ts';
import { openApiRoutes } from './routes/openapi.ts';
import { queryRoutes } from './routes/query.ts';
import { reportRoutes } from './routes/reports.ts';
import { scheduledRoutes } from './routes/scheduled.ts';
import { schemaRoutes } from './routes/schema.ts';
import { versionRoutes } from './routes/version.ts';

const READ_METHODS = ['GET', 'HEAD'];

// CORS_ORIGINS: none, any origin for reads only, or the listed origins for everything. Never credentials:
// the API takes a bearer token, not cookies.
const corsByConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origins = c.var.config.CORS_ORIGINS;
  if (origins.kind === 'none') return next();
  if (origins.kind === 'any') {
    if (c.req.method !== 'OPTIONS' && !READ_METHODS.includes(c.req.method)) return next();
    return cors({ origin: '*', allowMethods: READ_METHODS, allowHeaders: ['authorization'] })(c, next);
  }
  return cors({
    origin: origins.origins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['authorization', 'content-type'],
    exposeHeaders: ['allow'],
    maxAge: 600,
  })(c, next);
};

/** The app over a query engine: the Worker's own (`app`), or a test's. */
export function createApp(engine: QueryEngine): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set('config', readHttpConfig(c.env));
    await next();
  });
  app.use(corsByConfig);
  // Before the deps middleware: /version does no I/O at all.
  app.route('/', versionRoutes);

  app.use(provideDeps);
  app.use(async (c, next) => {
    // The execution log row is written after the answer (waitUntil), before the warehouse client closes.
    c.set('runQuery', engine(c.env, { ...c.var.deps, defer: (work) => c.executionCtx.waitUntil(work) }));
    await next();
  });

  app.route('/', healthRoutes);
  app.route('/', scheduledRoutes);
  app.route('/', ingestionRoutes);
  app.route('/', objectRoutes);
  app.route('/', discoveryRoutes);
  app.route('/', conflictRoutes);
  app.route('/', argillaRoutes);
  app.route('/', argillaWebhookRoutes);
  app.route('/', schemaRoutes);
  app.route('/', queryRoutes);
  app.route('/', reportRoutes);
  app.route('/', askRoutes);
  app.route('/', metricsRoutes);
  app.route('/', consoleRoutes);
  app.route('/', openApiRoutes(app));

  let routes: readonly DocumentedRoute[] | undefined;

  // A known path with another method is 405 with the methods it has; an unknown path is 404.
  app.notFound((c: Context<AppEnv>) => {
    routes ??= routesOf(app).documented;
    const allowed = allowedMethods(routes, c.req.path, isLocalDev(c.env));
    if (allowed.length > 0) {
      if (c.var.config?.CORS_ORIGINS.kind !== 'none') allowed.push('OPTIONS');
      c.header('allow', allowed.join(', '));
      return c.json(
        {
          error: {
            code: 'method_not_allowed',
            message: `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed.join(', ')}`,
          },
        },
        405,
      );
    }
    const message = `no route for ${c.req.method} ${c.req.path}`;
    // A browser asking for a page (a mistyped console address) gets the console's 404 page, not JSON.
    const page = c.req.method === 'GET' && /\btext\/html\b/.test(c.req.header('accept') ?? '');
    if (page && !/^\/(api|v1)\//.test(c.req.path)) return consoleErrorPage(new AppError('not_found', message), c);
    return c.json({ error: { code: 'not_found', message } }, 404);
  });

  app.onError((error, c) => {
    if (c.var.consolePage) return consoleErrorPage(error, c);
    if (error instanceof AppError) {
      return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
    }
    createLogger({ worker: WORKER }).error('unhandled error', { path: c.req.path, error: errorMessage(error) });
    return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
  });
  return app;
}

export const app = createApp(queryEngine);
