// A route's documentation as a middleware: what /openapi.json says about it (params, query, body, responses,
// access), the access check it documents, and the parsers its handler reads its input with.
import type { Context, MiddlewareHandler } from 'hono';
import { findTargetHandler } from 'hono/utils/handler';
import type { z } from 'zod';
import { consoleSession, localOnly, readAccess, requireToken } from './auth.ts';
import type { AppEnv } from './context.ts';
import { formBody, jsonBody, parse } from './input.ts';

/**
 * Who may call a route: `open` anyone; `read` anyone unless READ_AUTH=token, then the bearer token; `write`
 * the bearer token; `local` the bearer token, and only under LOCAL_DEV=true (404 elsewhere); `console` a
 * console sign-in (its session cookie, and on a form post this session's CSRF token).
 */
export type Access = 'open' | 'read' | 'write' | 'local' | 'console';

/** One response: JSON when `schema` is given without `contentType`. */
export interface ResponseDoc {
  readonly description: string;
  readonly schema?: z.ZodType;
  readonly contentType?: string;
}

export interface RouteDoc {
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly access: Access;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  /** A JSON body (an empty body counts as `{}`). */
  readonly body?: z.ZodType;
  /** An HTML form's body (application/x-www-form-urlencoded). */
  readonly form?: z.ZodObject;
  /** A body that is not JSON, by content type (e.g. a file's bytes). */
  readonly rawBody?: { readonly contentType: string; readonly description: string };
  /** Success responses and any error a route answers beyond the usual ones (openapi.ts adds those). */
  readonly responses: { readonly [status: number]: ResponseDoc };
}

type Input<S> = S extends z.ZodType ? z.infer<S> : never;

export type DescribedRoute<D extends RouteDoc> = MiddlewareHandler<AppEnv> & {
  readonly doc: D;
  /** The path parameters, parsed with `doc.params` (400 naming the field when they do not parse). */
  params(c: Context<AppEnv>): Input<D['params']>;
  /** The query, parsed with `doc.query`. */
  query(c: Context<AppEnv>): Input<D['query']>;
  /** The JSON body, parsed with `doc.body`. */
  body(c: Context<AppEnv>): Promise<Input<D['body']>>;
  /** The form body, parsed with `doc.form`. */
  form(c: Context<AppEnv>): Promise<Input<D['form']>>;
};

const GUARDS: Record<Access, readonly MiddlewareHandler<AppEnv>[]> = {
  open: [],
  read: [readAccess],
  write: [requireToken],
  local: [localOnly, requireToken],
  console: [consoleSession],
};

function missing(part: string): never {
  throw new Error(`this route documents no ${part}: add it to describeRoute`);
}

/**
 * Documents a route and guards it as `doc.access` says: put it first among the route's handlers, and read
 * the input through it (`route.query(c)`, `route.params(c)`, `await route.body(c)`), so what the document
 * says is what the route parses.
 */
export function describeRoute<const D extends RouteDoc>(doc: D): DescribedRoute<D> {
  const guards = GUARDS[doc.access];
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    // A guard may answer itself (the console's redirect to sign in): its Response is the route's.
    const run = async (i: number): Promise<Response | undefined> => {
      const guard = guards[i];
      if (guard) return (await guard(c, async () => void (await run(i + 1)))) ?? undefined;
      await next();
      return undefined;
    };
    return run(0);
  };
  const described = Object.assign(middleware, {
    doc,
    params: (c: Context<AppEnv>) => parse(doc.params ?? missing('params'), c.req.param()),
    query: (c: Context<AppEnv>) => parse(doc.query ?? missing('query'), c.req.query()),
    body: async (c: Context<AppEnv>) => parse(doc.body ?? missing('body'), await jsonBody(c.req.raw)),
    form: async (c: Context<AppEnv>) => parse(doc.form ?? missing('form'), await formBody(c)),
  }) as DescribedRoute<D>;
  DOCS.set(described, doc);
  return described;
}

const DOCS = new WeakMap<object, RouteDoc>();

/** The documentation a handler carries, if it is a described route. */
export function routeDocOf(handler: unknown): RouteDoc | undefined {
  // NOTE: routing a sub-app that has its own onError (the console) wraps each handler; look inside.
  return typeof handler === 'function' ? DOCS.get(findTargetHandler(handler)) : undefined;
}
