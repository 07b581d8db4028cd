// The console's sign-in: the API token, checked once, exchanged for a signed session cookie (HttpOnly,
// SameSite=Strict, Secure everywhere but loopback; hono/cookie signs it with HMAC-SHA256), and the CSRF token
// every console form carries, derived from the session so a form from another session does not verify.
import type { Context } from 'hono';
import { deleteCookie, getSignedCookie, setSignedCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { sha256Hex } from '../../../lib/core/hash.ts';
import { AppError } from '../../../lib/errors.ts';
import { bearerMatches } from '../../../lib/http/auth.ts';
import type { AppEnv } from '../context.ts';

/** How long a sign-in lasts. */
export const SESSION_SECONDS = 12 * 3600;

export interface ConsoleSession {
  /** Who signed in (recorded with their decisions). */
  readonly by: string;
  readonly issuedAt: number;
  /** The token this session's forms carry. */
  readonly csrf: string;
}

/** Loopback hosts get a cookie without Secure: `npm start` serves plain HTTP on 127.0.0.1. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host.endsWith('.localhost');
}

// Over HTTPS the cookie takes the __Host- prefix: Secure, Path=/ and no Domain, so no subdomain can set it.
const cookieName = (c: Context<AppEnv>) => (isLoopback(c.req.url) ? 'ls_console' : '__Host-ls_console');

/** The signing key: derived from API_TOKEN, so rotating the token signs everyone out. */
async function signingKey(c: Context<AppEnv>): Promise<string | null> {
  const token = c.env.API_TOKEN ?? '';
  return token === '' ? null : sha256Hex(`living-schema console session\n${token}`);
}

const csrfFor = async (key: string, value: string) => (await sha256Hex(`csrf\n${key}\n${value}`)).slice(0, 32);

/** Whether `token` is the API token (constant time). */
export const tokenMatches = (c: Context<AppEnv>, token: string): Promise<boolean> =>
  bearerMatches(`Bearer ${token}`, c.env.API_TOKEN ?? '');

export async function startSession(c: Context<AppEnv>, by: string, now: Date): Promise<void> {
  const key = await signingKey(c);
  if (!key) throw new Error('API_TOKEN is not set');
  const value = `${now.getTime()}.${encodeURIComponent(by)}`;
  await setSignedCookie(c, cookieName(c), value, key, {
    httpOnly: true,
    secure: !isLoopback(c.req.url),
    sameSite: 'Strict',
    path: '/',
    maxAge: SESSION_SECONDS,
  });
}

export async function readSession(c: Context<AppEnv>, now: Date): Promise<ConsoleSession | null> {
  const key = await signingKey(c);
  if (!key) return null;
  const value = await getSignedCookie(c, key, cookieName(c));
  if (!value) return null;
  const match = /^(\d+)\.(.+)$/.exec(value);
  if (!match) return null;
  const issuedAt = Number(match[1]);
  if (!(now.getTime() - issuedAt < SESSION_SECONDS * 1000) || issuedAt > now.getTime() + 60_000) return null;
  return { by: decodeURIComponent(match[2] as string), issuedAt, csrf: await csrfFor(key, value) };
}

export function endSession(c: Context<AppEnv>): void {
  deleteCookie(c, cookieName(c), { path: '/', secure: !isLoopback(c.req.url) });
}

/** Where to go after signing in: a path on this origin only (never `//host` or a scheme). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  // A control character or space would break the Location header (or, in a browser, the redirect).
  if ([...next].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f)) return '/';
  return next;
}

const sameOrigin = csrf();

/** hono's CSRF check (Origin or Sec-Fetch-Site is this origin) on a form post, as the console's own 403. */
export async function requireSameOrigin(c: Context<AppEnv>): Promise<void> {
  try {
    await sameOrigin(c, async () => {});
  } catch (error) {
    if (error instanceof HTTPException)
      throw new AppError('forbidden', 'a console form must be posted from the console itself');
    throw error;
  }
}
