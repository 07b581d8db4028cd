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
import { parse } from '../input.ts';

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

async function answerDocument(c: Context<AppEnv>, target: SchemaTarget): Promise<Response> {
  const query = parse(SchemaFormatQuery, c.req.query());
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

schemaRoutes.get('/api/schema/current', (c) => answerDocument(c, { kind: 'current' }));

schemaRoutes.get('/api/schema/at/:instant', (c) => {
  const { instant } = parse(InstantParams, c.req.param());
  const parsed = parseInstant(instant);
  if (!(parsed instanceof Date)) throw new AppError('bad_request', parsed.error);
  return answerDocument(c, { kind: 'at', instant: parsed, text: instant });
});

schemaRoutes.get('/api/schema/versions/:n', (c) => {
  const { n } = parse(VersionParams, c.req.param());
  return answerDocument(c, { kind: 'version', version: n });
});

// ---- lists, diffs, history -------------------------------------------------------------------------

schemaRoutes.get('/api/schema/versions', async (c) => {
  const page = parse(VersionsQuery, c.req.query());
  const { versions, total } = await listVersions(c.var.deps.warehouse, page);
  return c.json({ versions, ...page, total } satisfies z.infer<typeof VersionsResponse>);
});

schemaRoutes.get('/api/schema/diff', async (c) => {
  const { from, to } = parse(DiffQuery, c.req.query());
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

schemaRoutes.get('/api/schema/entity-types/:name', async (c) => {
  const { name } = parse(EntityTypeParams, c.req.param());
  return answerHistory(c, await entityTypeHistory(c.var.deps.warehouse, name), `entity type ${name}`);
});

schemaRoutes.get('/api/schema/fields/:source/:name', async (c) => {
  const { source, name } = parse(FieldParams, c.req.param());
  return answerHistory(c, await fieldHistory(c.var.deps.warehouse, source, name), `field ${source}.${name}`);
});
