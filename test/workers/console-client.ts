// A browser's side of the console for workerd tests: signs in with the API token through the form, keeps the
// session cookie, reads each page's CSRF token and posts forms from the page's own origin.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';

export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

export interface ConsoleClient {
  /** A GET with the session cookie. */
  get(path: string): Promise<Response>;
  /** A form post with the session cookie, this session's CSRF token and the console's Origin. */
  post(
    path: string,
    fields: Record<string, string>,
    options?: { csrf?: string | null; origin?: string },
  ): Promise<Response>;
  readonly cookie: string;
  readonly csrf: string;
}

export const ORIGIN = 'http://worker.test';

/**
 * Requests to the main Worker as a browser sends them (redirects not followed): a path on `origin`, or an
 * absolute URL, on the test database `dbUrl()` names.
 */
export function workerCall(origin: string, dbUrl: () => string): Fetch {
  return async (url, init = {}) => {
    const ctx = createExecutionContext();
    const request = new Request(url.startsWith('/') ? `${origin}${url}` : url, { redirect: 'manual', ...init });
    const response = await worker.fetch(request, { ...env, WAREHOUSE_URL: dbUrl() }, ctx);
    await waitOnExecutionContext(ctx);
    return response;
  };
}

/** The value of each `<input type="hidden" name="csrf">` on a page. */
export const csrfOf = (html: string): string | undefined => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

export async function signIn(fetch: Fetch, by = 'maria@example.com'): Promise<ConsoleClient> {
  const response = await fetch('/sign-in', {
    method: 'POST',
    headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ by, token: TEST_API_TOKEN, next: '/' }),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] as string;
  expect(cookie).toMatch(/ls_console=/);
  const home = await fetch('/', { headers: { cookie }, redirect: 'manual' });
  expect(home.status).toBe(200);
  const csrf = csrfOf(await home.text());
  if (!csrf) throw new Error('the console page has no CSRF token');
  return {
    cookie,
    csrf,
    get: (path) => fetch(path, { headers: { cookie }, redirect: 'manual' }),
    post: (path, fields, options = {}) => {
      const token = options.csrf === undefined ? csrf : options.csrf;
      return fetch(path, {
        method: 'POST',
        headers: { cookie, origin: options.origin ?? ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...fields, ...(token === null ? {} : { csrf: token }) }),
        redirect: 'manual',
      });
    },
  };
}
