// The main Worker's HTTP app, assembled: the deps middleware, one router per area, the JSON 404 and the
// one error handler (AppError -> its status; anything else is logged and answers 500).
import { Hono } from 'hono';
import { AppError, errorMessage } from '../../lib/errors.ts';
import { createLogger } from '../../lib/log.ts';
import { type AppEnv, provideDeps, WORKER } from './context.ts';
import { conflictRoutes } from './routes/conflicts.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { healthRoutes } from './routes/health.ts';
import { ingestionRoutes } from './routes/ingestions.ts';
import { objectRoutes } from './routes/objects.ts';
import { scheduledRoutes } from './routes/scheduled.ts';
import { schemaRoutes } from './routes/schema.ts';
import { versionRoutes } from './routes/version.ts';

export const app = new Hono<AppEnv>();

// Before the deps middleware: /version does no I/O at all.
app.route('/', versionRoutes);

app.use(provideDeps);

app.route('/', healthRoutes);
app.route('/', scheduledRoutes);
app.route('/', ingestionRoutes);
app.route('/', objectRoutes);
app.route('/', discoveryRoutes);
app.route('/', conflictRoutes);
app.route('/', schemaRoutes);

app.notFound((c) =>
  c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
);

app.onError((error, c) => {
  if (error instanceof AppError) {
    return c.json({ error: { code: error.code, message: error.message } }, error.status as 400);
  }
  createLogger({ worker: WORKER }).error('unhandled error', { path: c.req.path, error: errorMessage(error) });
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
});
