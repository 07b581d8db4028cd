// GET /openapi.json: the OpenAPI 3.1 document of every route of the app it is given (itself included).
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { openApiDocument, routesOf } from '../openapi.ts';

const getOpenApi = describeRoute({
  summary: 'this document',
  tags: ['meta'],
  access: 'read',
  responses: {
    200: { description: 'the OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) },
  },
});

/** The route; the document is made once per isolate, the first time it is asked for. */
export function openApiRoutes(app: Hono<AppEnv>): Hono<AppEnv> {
  let document: ReturnType<typeof openApiDocument> | undefined;
  return new Hono<AppEnv>().get('/openapi.json', getOpenApi, (c) => {
    document ??= openApiDocument(routesOf(app).documented);
    return c.json(document);
  });
}
