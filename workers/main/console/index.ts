// The console, served by the main Worker at `/`: sign-in and sign-out, the views (review queue, schema
// timeline, catalog, ingestion, queries and reports), and errors as pages rather than JSON. Its static files
// (stylesheet, script, the Mermaid renderer) are the Worker's own assets (tools/build/console-assets.ts).
import { type Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import { AppError, errorMessage } from '../../../lib/errors.ts';
import { createLogger } from '../../../lib/log.ts';
import { type AppEnv, WORKER } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { catalogViews } from './catalog.ts';
import { ingestionViews } from './ingestion.ts';
import { page } from './layout.ts';
import { queryViews } from './queries.ts';
import { reportViews } from './reports.ts';
import { reviewViews } from './review.ts';
import { schemaViews } from './schema.ts';
import { endSession, readSession, requireSameOrigin, safeNext, startSession, tokenMatches } from './session.ts';

export const consoleRoutes = new Hono<AppEnv>();

const SignInQuery = z.object({ next: z.string().optional(), failed: z.string().optional() });

function signInForm(next: string, failed: boolean): ReturnType<typeof html> {
  return html`${failed ? html`<p class="error" role="alert">That is not the API token. Try again.</p>` : ''}
<form method="post" action="/sign-in" class="sign-in">
  <input type="hidden" name="next" value="${next}">
  <label>Your name <input name="by" autocomplete="name" required maxlength="200"></label>
  <label>API token <input name="token" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
<p class="help">The token is <code>API_TOKEN</code>: <code>npm start</code> writes it to <code>.dev.vars</code>. Your name is recorded with your decisions.</p>`;
}

const getSignIn = describeRoute({
  summary: 'the console’s sign-in page (HTML)',
  tags: ['console'],
  access: 'open',
  query: SignInQuery,
  responses: { 200: { description: 'an HTML page', schema: z.string(), contentType: 'text/html' } },
});

consoleRoutes.get('/sign-in', getSignIn, async (c) => {
  const { next, failed } = getSignIn.query(c);
  if (await readSession(c, c.var.deps.clock())) return c.redirect(safeNext(next), 303);
  return page(c, {
    title: 'Sign in',
    body: signInForm(safeNext(next), failed !== undefined),
    status: failed ? 401 : 200,
  });
});

const SignInForm = z.object({
  by: z.string().trim().min(1, 'your name is required').max(200),
  token: z.string().min(1, 'the API token is required'),
  next: z.string().optional(),
});

const postSignIn = describeRoute({
  summary: 'sign in to the console with the API token (a form post; sets the session cookie and answers 303)',
  tags: ['console'],
  access: 'open',
  form: SignInForm,
  responses: {
    303: { description: 'signed in: to `next`; a wrong token: back to the sign-in page' },
    403: { description: 'posted from another origin' },
  },
});

consoleRoutes.post('/sign-in', postSignIn, async (c) => {
  await requireSameOrigin(c);
  const form = await postSignIn.form(c);
  const next = safeNext(form.next);
  if (!(await tokenMatches(c, form.token))) {
    c.var.deps.log.warn('console sign-in refused', { by: form.by });
    return c.redirect(`/sign-in?failed=1&next=${encodeURIComponent(next)}`, 303);
  }
  await startSession(c, form.by, c.var.deps.clock());
  c.var.deps.log.info('console sign-in', { by: form.by });
  return c.redirect(next, 303);
});

const postSignOut = describeRoute({
  summary: 'sign out of the console (a form post; clears the session cookie)',
  tags: ['console'],
  access: 'console',
  form: z.object({ csrf: z.string() }),
  responses: { 303: { description: 'to the sign-in page' } },
});

consoleRoutes.post('/sign-out', postSignOut, async (c) => {
  endSession(c);
  return c.redirect('/sign-in', 303);
});

// The old review page's address (and any link to it) opens the console's review queue.
const getReview = describeRoute({
  summary: 'the review page moved into the console: redirects to `/`',
  tags: ['console'],
  access: 'open',
  responses: { 301: { description: 'to the console’s review queue' } },
});
consoleRoutes.get('/review', getReview, (c) => c.redirect('/', 301));

consoleRoutes.route('/', reviewViews);
consoleRoutes.route('/', ingestionViews);
consoleRoutes.route('/', queryViews);
consoleRoutes.route('/', reportViews);
consoleRoutes.route('/', schemaViews);
consoleRoutes.route('/', catalogViews);

const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Signed out',
  403: 'Refused',
  404: 'Not found',
  409: 'Already decided',
};

/** A console page's error, as a page (app.ts's error handler, for routes tagged `console`). */
export async function consoleErrorPage(error: Error, c: Context<AppEnv>): Promise<Response> {
  const status = error instanceof AppError ? error.status : 500;
  if (status >= 500) {
    createLogger({ worker: WORKER }).error('console error', { path: c.req.path, error: errorMessage(error) });
  }
  const message =
    error instanceof AppError ? error.message : 'Something went wrong on our side; the log has the details.';
  const session = await readSession(c, new Date()).catch(() => null);
  const body = html`<p class="error" role="alert">${message}</p>
<p>${status === 401 ? html`<a href="/sign-in">Sign in</a>` : html`<a href="/">Back to the review queue</a>`}</p>`;
  return page(c, {
    title: TITLES[status] ?? 'Error',
    session,
    body,
    status: (status in TITLES ? status : 500) as 400,
  });
}
