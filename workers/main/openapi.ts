// The OpenAPI 3.1 document of the main Worker, made from the routes Hono knows and the describeRoute docs
// they carry (zod-openapi turns their zod schemas into JSON Schema), and the methods each path allows.
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { ERROR_CODES } from '../../lib/errors.ts';
import type { AppEnv } from './context.ts';
import { type Access, type RouteDoc, routeDocOf } from './describe.ts';

/** The error shape of every failure, whatever the status. */
export const ErrorBody = z
  .object({ error: z.object({ code: z.enum(ERROR_CODES as [string, ...string[]]), message: z.string() }) })
  .meta({ id: 'Error', description: 'every error: a code (it decides the status) and a readable message' });

export interface DocumentedRoute {
  readonly method: string;
  /** Hono's pattern, e.g. `/v1/objects/:bucket/:key{.+}`. */
  readonly path: string;
  readonly doc: RouteDoc;
}

/** Middleware (`app.use`) is not a route. */
const isMiddleware = (r: { method: string; path: string }) => r.method === 'ALL' && r.path.endsWith('*');

/** Every route with its doc, and every (method, path) Hono routes that carries none. */
export function routesOf(app: Hono<AppEnv>): {
  documented: DocumentedRoute[];
  undocumented: { method: string; path: string }[];
} {
  const byRoute = new Map<string, { method: string; path: string; doc: RouteDoc | undefined }>();
  for (const r of app.routes) {
    if (isMiddleware(r)) continue;
    const id = `${r.method} ${r.path}`;
    const seen = byRoute.get(id) ?? { method: r.method, path: r.path, doc: undefined };
    byRoute.set(id, { ...seen, doc: seen.doc ?? routeDocOf(r.handler) });
  }
  const all = [...byRoute.values()];
  return {
    documented: all.flatMap(({ method, path, doc }) => (doc ? [{ method, path, doc }] : [])),
    undocumented: all.filter((r) => !r.doc).map(({ method, path }) => ({ method, path })),
  };
}

/** `/v1/objects/:bucket/:key{.+}` -> `/v1/objects/{bucket}/{key}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}');
}

/** A regular expression matching the paths a Hono pattern routes. */
function pathPattern(honoPath: string): RegExp {
  const parts = honoPath.split(/(:\w+(?:\{[^}]*\})?)/);
  const source = parts
    .map((part) => {
      const param = /^:\w+(?:\{([^}]*)\})?$/.exec(part);
      if (param) return `(?:${param[1] ?? '[^/]+'})`;
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

/**
 * The methods routed at `path` (HEAD with GET), for a 405's Allow; local-only routes count only under
 * LOCAL_DEV=true, where they exist.
 */
export function allowedMethods(routes: readonly DocumentedRoute[], path: string, localDev: boolean): string[] {
  const methods = new Set<string>();
  for (const r of routes) {
    if (r.doc.access === 'local' && !localDev) continue;
    if (!pathPattern(r.path).test(path)) continue;
    methods.add(r.method);
    if (r.method === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
}

const ERROR_RESPONSES: Record<number, string> = {
  400: 'a path parameter, query parameter or the body does not parse (the message names each field)',
  401: 'missing or wrong bearer token (console: no session)',
  403: 'a console form without this session’s CSRF token',
  404: 'not found',
  405: 'the path exists, but not with this method (the Allow header lists those it has)',
  500: 'an unexpected failure',
};

const SECURITY: Record<Access, NonNullable<ZodOpenApiOperationObject['security']>> = {
  open: [],
  // Open by default; READ_AUTH=token makes it need the bearer token.
  read: [{}, { bearer: [] }],
  write: [{ bearer: [] }],
  local: [{ bearer: [] }],
  console: [{ console: [] }],
};

function errorStatuses(path: string, doc: RouteDoc): number[] {
  const statuses = [500];
  if (doc.params || doc.query || doc.body || doc.form) statuses.push(400);
  if (doc.access !== 'open') statuses.push(401);
  if (doc.access === 'console' && doc.form) statuses.push(403);
  if (path.includes(':') || doc.access === 'local') statuses.push(404);
  return [...new Set(statuses)];
}

function operation(route: DocumentedRoute): ZodOpenApiOperationObject {
  const { doc } = route;
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema ? { content: { [r.contentType ?? 'application/json']: { schema: r.schema } } } : {}),
    };
  }
  // Console pages answer errors as a page of their own.
  const errorContent =
    doc.access === 'console' ? { 'text/html': { schema: z.string() } } : { 'application/json': { schema: ErrorBody } };
  for (const status of errorStatuses(route.path, doc)) {
    responses[String(status)] ??= { description: ERROR_RESPONSES[status] ?? 'an error', content: errorContent };
  }
  const body = doc.body
    ? { content: { 'application/json': { schema: doc.body } } }
    : doc.form
      ? { required: true, content: { 'application/x-www-form-urlencoded': { schema: doc.form } } }
      : doc.rawBody
        ? {
            required: true,
            description: doc.rawBody.description,
            content: { [doc.rawBody.contentType]: { schema: z.string().meta({ format: 'binary' }) } },
          }
        : undefined;
  const local = doc.access === 'local';
  return {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
    summary: doc.summary,
    ...(doc.description || local
      ? {
          description: [doc.description, local ? 'Local only: 404 unless LOCAL_DEV=true.' : undefined]
            .filter(Boolean)
            .join(' '),
        }
      : {}),
    tags: [...doc.tags],
    security: SECURITY[doc.access],
    ...(doc.params || doc.query
      ? { requestParams: { ...(doc.params ? { path: doc.params } : {}), ...(doc.query ? { query: doc.query } : {}) } }
      : {}),
    ...(body ? { requestBody: body } : {}),
    responses,
    ...(local ? { 'x-local-only': true } : {}),
  };
}

/** The OpenAPI 3.1 document of every documented route. */
export function openApiDocument(routes: readonly DocumentedRoute[]): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const documented = Object.keys(route.doc.params?.shape ?? {});
    if (names.some((n) => !documented.includes(n as string))) {
      throw new Error(`${route.method} ${route.path}: describeRoute needs params for ${names.join(', ')}`);
    }
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'living-schema',
      version: '1',
      description:
        'The main Worker: health, ingestions, discovery runs, the conflicts review queue, and the published schema (now, at an instant, at a version, in six formats).',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API_TOKEN>' },
        console: {
          type: 'apiKey',
          in: 'cookie',
          name: 'ls_console',
          description:
            'The console session from POST /sign-in (`__Host-ls_console` over HTTPS); a form post also carries its `csrf` field.',
        },
      },
    },
  });
}
