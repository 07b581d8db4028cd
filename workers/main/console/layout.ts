// The console's page frame: one HTML document per view, server-rendered with hono/html (every interpolated
// value is escaped; only markup built the same way passes through), the navigation, who is signed in, and
// the headers every console page answers with.
import type { Context } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppEnv } from '../context.ts';
import type { ConsoleSession } from './session.ts';

/** Markup made with `html`: interpolating it does not escape it again. */
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Scripts and styles from this origin only; no inline ones; forms post here only. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // The schema diagram: Mermaid's SVG shown as a picture (a blob: URL) so its own styles stay inside it.
  "img-src 'self' blob: data:",
  // The frame Mermaid draws in (/console/diagram, with a CSP of its own that allows its inline styles).
  "frame-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const CONSOLE_SCRIPT = '/console/console.js';
export const CONSOLE_STYLE = '/console/console.css';
/** The Mermaid renderer; console.js loads it in the diagram frame (static/diagram.html), not in a page. */
export const MERMAID_SCRIPT = '/console/mermaid.min.js';

export const VIEWS = [
  { id: 'review', href: '/', label: 'Review' },
  { id: 'schema', href: '/schema', label: 'Schema' },
  { id: 'catalog', href: '/catalog', label: 'Catalog' },
  { id: 'ingestion', href: '/ingestion', label: 'Ingestion' },
  { id: 'queries', href: '/queries', label: 'Queries & reports' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

export interface PageOptions {
  readonly title: string;
  readonly view?: ViewId;
  readonly session?: ConsoleSession | null;
  readonly body: Html;
  /** Extra same-origin scripts (loaded before the console's own). */
  readonly scripts?: readonly string[];
  readonly status?: 200 | 400 | 401 | 403 | 404 | 409 | 500;
}

const nav = (view: ViewId | undefined) =>
  VIEWS.map((v) => html`<a href="${v.href}"${v.id === view ? html` aria-current="page"` : ''}>${v.label}</a>`);

/** The signed-in person and the sign-out button (a form: signing out changes state). */
const who = (session: ConsoleSession) => html`<form method="post" action="/sign-out" class="who">
  <span>Signed in as <strong>${session.by}</strong></span>
  <input type="hidden" name="csrf" value="${session.csrf}">
  <button type="submit">Sign out</button>
</form>`;

/** A hidden CSRF field for a console form. */
export const csrfField = (session: ConsoleSession) => html`<input type="hidden" name="csrf" value="${session.csrf}">`;

export function consoleHeaders(c: Context<AppEnv>): void {
  c.header('content-security-policy', CONSOLE_CSP);
  c.header('x-content-type-options', 'nosniff');
  c.header('referrer-policy', 'same-origin');
  // Pages show live data and a CSRF token: never from a cache.
  c.header('cache-control', 'no-store');
}

export function page(c: Context<AppEnv>, o: PageOptions): Response | Promise<Response> {
  consoleHeaders(c);
  const scripts = [...(o.scripts ?? []), CONSOLE_SCRIPT];
  return c.html(
    html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · living-schema</title>
<link rel="icon" href="/console/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${CONSOLE_STYLE}">
</head>
<body>
<header class="top">
  <a class="brand" href="/">living-schema</a>
  ${o.session ? html`<nav aria-label="Console">${nav(o.view)}</nav>${who(o.session)}` : ''}
</header>
<main id="main">
<h1>${o.title}</h1>
${o.body}
</main>
${scripts.map((s) => html`<script src="${s}" defer></script>`)}
</body>
</html>`,
    o.status ?? 200,
  );
}

/** Dates as people read them in a table: UTC, to the minute. */
export const when = (d: Date | string | null | undefined): string => {
  if (!d) return '';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? String(d) : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
};

/** A count with thousands separators. */
export const count = (n: number): string => n.toLocaleString('en-US');

/** Previous / next links over a paged list, keeping the other query parameters. */
export function pager(
  path: string,
  query: Record<string, string | undefined>,
  page: { readonly limit: number; readonly offset: number; readonly total: number },
): Html {
  const link = (offset: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && k !== 'offset') params.set(k, v);
    if (offset > 0) params.set('offset', String(offset));
    const qs = params.toString();
    return `${path}${qs ? `?${qs}` : ''}`;
  };
  if (page.total === 0) return html``;
  if (page.offset >= page.total) {
    return html`<nav class="pager" aria-label="Pages"><span>Nothing past ${count(page.total)}.</span> <a href="${link(0)}">First page</a></nav>`;
  }
  const first = page.offset + 1;
  const last = Math.min(page.offset + page.limit, page.total);
  return html`<nav class="pager" aria-label="Pages">
  <span>${count(first)}–${count(last)} of ${count(page.total)}</span>
  ${page.offset > 0 ? html`<a href="${link(Math.max(0, page.offset - page.limit))}" rel="prev">Previous</a>` : ''}
  ${last < page.total ? html`<a href="${link(page.offset + page.limit)}" rel="next">Next</a>` : ''}
</nav>`;
}
