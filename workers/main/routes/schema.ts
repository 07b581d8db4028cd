// The schema context API: the schema now, at an instant, at a version (in any format, from KV when it
// can), the version list, the difference between two versions and one name's history.
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { Bump, CatalogEntityType, CatalogField, Change, EntryKey } from '../../../lib/discovery/snapshot.ts';
import { AppError } from '../../../lib/errors.ts';
import { SchemaDocument, SchemaEntityType, SchemaField } from '../../../lib/schema/document.ts';
import { pickFormat } from '../../../lib/schema/formats/index.ts';
import { parseInstant } from '../../../lib/schema/instant.ts';
import {
  diffVersions,
  entityTypeHistory,
  fieldHistory,
  latestDocument,
  listVersions,
  type NameHistory,
} from '../../../lib/schema/read.ts';
import { type SchemaTarget, serveSchema } from '../../../lib/schema/serve.ts';
import { schemaCache } from '../../deps.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';

export const schemaRoutes = new Hono<AppEnv>();

// ---- input -----------------------------------------------------------------------------------------

const VersionNumber = z.coerce.number().int().min(1);

/** `?format=` (or the Accept header) and `?budget=` (tokens, for format=prompt). */
export const SchemaFormatQuery = z.object({
  format: z.string().optional(),
  budget: z.coerce.number().int().min(1).max(1_000_000).optional(),
});
export const InstantParams = z.object({ instant: z.string() });
export const VersionParams = z.object({ n: VersionNumber });
export const VersionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});
export const DiffQuery = z.object({ from: VersionNumber, to: VersionNumber });
export const EntityTypeParams = z.object({ name: z.string().min(1) });
export const FieldParams = z.object({ source: z.string().min(1), name: z.string().min(1) });

// ---- responses -------------------------------------------------------------------------------------

/** Documents: SchemaDocument (lib/schema/document.ts) in JSON, or the format asked for. */
export { SchemaDocument };

const VersionRef = z.object({
  version: z.number(),
  semver: z.string(),
  publishedAt: z.string(),
  contentHash: z.string(),
});
export const VersionSummary = VersionRef.extend({
  bump: Bump,
  summary: z.object({ entityTypes: z.number(), fields: z.number(), changes: z.number() }),
});
export const VersionsResponse = z.object({
  versions: z.array(VersionSummary),
  limit: z.number(),
  offset: z.number(),
  total: z.number(),
});
export const DiffResponse = z.object({
  from: VersionRef,
  to: VersionRef,
  direction: z.enum(['forward', 'backward', 'same']),
  bump: Bump.nullable(),
  changes: z.array(Change),
});
const Entry = z.union([CatalogField, CatalogEntityType]);
export const HistoryEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('appeared'), entry: Entry, reason: z.string() }),
  z.object({ event: z.literal('removed'), reason: z.string() }),
  z.object({ event: z.literal('merged_into'), into: z.string(), reason: z.string() }),
  z.object({ event: z.literal('unmerged'), from: z.string().nullable(), reason: z.string() }),
  z.object({
    event: z.enum(['status_changed', 'description_changed', 'type_changed', 'kind_changed']),
    from: z.string().nullable(),
    to: z.string().nullable(),
    reason: z.string(),
  }),
  z.object({ event: z.literal('merge_target'), alias: z.string(), reason: z.string() }),
  z.object({ event: z.literal('alias_left'), alias: z.string(), reason: z.string() }),
]);
export const HistoryResponse = z.object({
  key: EntryKey,
  /** The name in the latest version; null when it is no longer in the catalog. */
  current: z.union([SchemaField, SchemaEntityType]).nullable(),
  history: z.array(
    z.object({ version: z.number(), semver: z.string(), publishedAt: z.string(), events: z.array(HistoryEvent) }),
  ),
});

// ---- documents -------------------------------------------------------------------------------------

const FORMATS_NOTE =
  'JSON by default; `?format=` (json, markdown, mermaid, zod, json-schema, prompt with `?budget=` tokens) or ' +
  '`Accept` picks another format. `ETag` is the content hash; a matching `If-None-Match` answers 304.';
const DOCUMENT_RESPONSES = {
  200: { description: 'the schema document (or the format asked for)', schema: SchemaDocument },
  304: { description: 'the ETag in If-None-Match still names this document' },
} as const;

async function answerDocument(
  c: Context<AppEnv>,
  target: SchemaTarget,
  query: z.infer<typeof SchemaFormatQuery>,
): Promise<Response> {
  const format = pickFormat(query.format, c.req.header('accept'));
  if (typeof format === 'object') throw new AppError('bad_request', format.error);
  const { deps } = c.var;
  const cacheControl = `${c.req.header('cache-control') ?? ''},${c.req.header('pragma') ?? ''}`;
  const answer = await serveSchema(
    {
      warehouse: deps.warehouse,
      cache: schemaCache(c.env.SCHEMA_CACHE),
      log: deps.log,
      defer: (work) => c.executionCtx.waitUntil(work),
    },
    {
      target,
      format,
      budget: query.budget,
      ifNoneMatch: c.req.header('if-none-match'),
      noCache: /(^|,)\s*no-cache\s*(,|$)/i.test(cacheControl),
    },
  );
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

const getCurrent = describeRoute({
  summary: 'the latest published schema',
  description: FORMATS_NOTE,
  tags: ['schema'],
  access: 'read',
  query: SchemaFormatQuery,
  responses: DOCUMENT_RESPONSES,
});
schemaRoutes.get('/api/schema/current', getCurrent, (c) => answerDocument(c, { kind: 'current' }, getCurrent.query(c)));

const getAt = describeRoute({
  summary: 'the schema in force at an instant',
  description: `A date (YYYY-MM-DD) means the end of that day in UTC; a date-time needs Z or an offset. ${FORMATS_NOTE}`,
  tags: ['schema'],
  access: 'read',
  params: InstantParams,
  query: SchemaFormatQuery,
  responses: DOCUMENT_RESPONSES,
});
schemaRoutes.get('/api/schema/at/:instant', getAt, (c) => {
  const { instant } = getAt.params(c);
  const parsed = parseInstant(instant);
  if (!(parsed instanceof Date)) throw new AppError('bad_request', parsed.error);
  return answerDocument(c, { kind: 'at', instant: parsed, text: instant }, getAt.query(c));
});

const getVersion = describeRoute({
  summary: 'one published schema version',
  description: FORMATS_NOTE,
  tags: ['schema'],
  access: 'read',
  params: VersionParams,
  query: SchemaFormatQuery,
  responses: DOCUMENT_RESPONSES,
});
schemaRoutes.get('/api/schema/versions/:n', getVersion, (c) =>
  answerDocument(c, { kind: 'version', version: getVersion.params(c).n }, getVersion.query(c)),
);

// ---- lists, diffs, history -------------------------------------------------------------------------

const getVersions = describeRoute({
  summary: 'published schema versions, newest first',
  tags: ['schema'],
  access: 'read',
  query: VersionsQuery,
  responses: { 200: { description: 'one page of versions', schema: VersionsResponse } },
});
schemaRoutes.get('/api/schema/versions', getVersions, async (c) => {
  const page = getVersions.query(c);
  const { versions, total } = await listVersions(c.var.deps.warehouse, page);
  return c.json({ versions, ...page, total } satisfies z.infer<typeof VersionsResponse>);
});

const getDiff = describeRoute({
  summary: 'the typed changes between any two versions, with the bump the span implies',
  tags: ['schema'],
  access: 'read',
  query: DiffQuery,
  responses: {
    200: { description: 'the changes', schema: DiffResponse },
    404: { description: 'a version that was never published' },
  },
});
schemaRoutes.get('/api/schema/diff', getDiff, async (c) => {
  const { from, to } = getDiff.query(c);
  const diff = await diffVersions(c.var.deps.warehouse, from, to);
  if ('missing' in diff) throw new AppError('not_found', `no schema version ${diff.missing}`);
  return c.json(diff satisfies z.infer<typeof DiffResponse>);
});

async function answerHistory(c: Context<AppEnv>, found: NameHistory, label: string): Promise<Response> {
  if (found.history.length === 0) throw new AppError('not_found', `no schema version ever had ${label}`);
  const latest = await latestDocument(c.var.deps.warehouse);
  const { key } = found;
  const current =
    key.kind === 'entity_type'
      ? (latest?.entityTypes.find((e) => e.name === key.name) ?? null)
      : (latest?.fields.find((f) => f.source === key.source && f.name === key.name) ?? null);
  return c.json({ key, current, history: found.history } satisfies z.infer<typeof HistoryResponse>);
}

const HISTORY_RESPONSES = { 200: { description: "the name's history, oldest first", schema: HistoryResponse } };

const getEntityType = describeRoute({
  summary: "one entity type's history across versions",
  tags: ['schema'],
  access: 'read',
  params: EntityTypeParams,
  responses: HISTORY_RESPONSES,
});
schemaRoutes.get('/api/schema/entity-types/:name', getEntityType, async (c) => {
  const { name } = getEntityType.params(c);
  return answerHistory(c, await entityTypeHistory(c.var.deps.warehouse, name), `entity type ${name}`);
});

const getField = describeRoute({
  summary: "one field's history across versions",
  tags: ['schema'],
  access: 'read',
  params: FieldParams,
  responses: HISTORY_RESPONSES,
});
schemaRoutes.get('/api/schema/fields/:source/:name', getField, async (c) => {
  const { source, name } = getField.params(c);
  return answerHistory(c, await fieldHistory(c.var.deps.warehouse, source, name), `field ${source}.${name}`);
});
