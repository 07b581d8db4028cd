// A local Argilla 2.x server for tests and `npm start`: the endpoints a sync client needs, answered in the
// exact shapes of ../shared/reference/argilla-2x-api.md, plus a loopback control API under /__standin/.
// Node-only and never in a production code path.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  ApiError,
  forbidden,
  invalidRequest,
  notFound,
  serverError,
  unauthorized,
  type ValidationIssue,
} from './errors.ts';
import { type Fixture, readFixture } from './fixture.ts';
import { type GenerateOptions, generateDataset } from './generate.ts';
import { SearchRecordsQuery, searchRecords } from './search.ts';
import {
  datasetJson,
  fieldJson,
  type Include,
  questionJson,
  recordJson,
  responseJson,
  userJson,
  webhookJson,
} from './shapes.ts';
import {
  type ApiKeyUser,
  type Dataset,
  type ResponseStatus,
  Store,
  type StoredRecord,
  type User,
  type Values,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from './store.ts';
import { type Delivery, WebhookDispatcher, type WebhookOptions } from './webhooks.ts';

/** Argilla's quickstart key (`DEFAULT_API_KEY`), held by the owner `argilla` unless `apiKeys` says otherwise. */
export const DEFAULT_API_KEY = 'argilla.apikey';

export interface StandinOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Loopback only. */
  readonly host?: '127.0.0.1';
  /** Fixture files or fixture objects, loaded in order. */
  readonly seed?: readonly (string | Fixture)[] | string | Fixture;
  /** key -> who holds it; default: `argilla.apikey` for the owner `argilla`. */
  readonly apiKeys?: Readonly<Record<string, ApiKeyUser>>;
  /** The data clock (inserted_at, updated_at, last_activity_at, envelope timestamps). */
  readonly clock?: () => Date;
  readonly webhooks?: WebhookOptions;
}

export interface SubmitInput {
  readonly recordId: string;
  /** Default: an annotator of the record's workspace who has not answered it, else the first annotator, else an owner. */
  readonly username?: string;
  readonly status?: ResponseStatus;
  /** Raw values; merged under `spans` / `proposal` when those are given too. */
  readonly values?: Values | null;
  /** Spans for the dataset's span question (or `question`). */
  readonly spans?: readonly { label: string; start: number; end: number }[];
  readonly question?: string;
  /** A free-text answer to the `proposed_entity_type` text question (or `proposalQuestion`). */
  readonly proposal?: string;
  readonly proposalQuestion?: string;
  /** Adds unknown span labels to the question first, which real Argilla cannot do (see docs). */
  readonly addMissingLabels?: boolean;
}

export interface Fault {
  /** 429 or a 5xx; any status when `body` is given. */
  readonly status: number;
  /** A JSON body to answer instead of the fault's own (a proxy, or a server of another version, answering). */
  readonly body?: unknown;
  /** Only requests whose path starts with this (default `/api/`). */
  readonly pathPrefix?: string;
  /** For 429: the Retry-After seconds (default 1). */
  readonly retryAfter?: number;
}

export interface ArgillaStandin {
  readonly url: string;
  /** The first key of `apiKeys` (an owner's by default). */
  readonly apiKey: string;
  readonly store: Store;
  close(): Promise<void>;
  seed(fixture: string | Fixture): void;
  /** A single-response create or update, as the web UI does it: webhooks and `last_activity_at` move. */
  submitResponse(input: SubmitInput): ReturnType<typeof responseJson>;
  /** Discards the user's response on the record (keeps its values unless given). */
  discardResponse(input: SubmitInput): ReturnType<typeof responseJson>;
  deleteResponse(responseId: string): ReturnType<typeof responseJson>;
  /** Responses as the records bulk endpoint (SDK `records.log`) creates them: no response webhooks, no activity. */
  bulkResponses(inputs: readonly SubmitInput[]): ReturnType<typeof responseJson>[];
  generateDataset(options: GenerateOptions): {
    dataset: ReturnType<typeof datasetJson>;
    records: number;
    responses: number;
  };
  /** The next `count` API requests answer with the fault instead. */
  failNext(count: number, fault?: Fault): void;
  readonly deliveries: readonly Delivery[];
  /** Resolves when every webhook delivery started so far (with retries) is done. */
  webhooksIdle(): Promise<void>;
  /** Requests the API answered, oldest first: method, path (with query) and status. */
  readonly requests: readonly { method: string; path: string; status: number }[];
}

const MAX_BODY = 16 * 1024 * 1024;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function canonicalUuid(text: string): string {
  const hex = text.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function uuidParam(where: 'path' | 'query', name: string, value: string): string {
  if (!UUID.test(value)) {
    throw invalidRequest([{ loc: [where, name], msg: 'Input should be a valid UUID', type: 'uuid_parsing' }]);
  }
  return canonicalUuid(value);
}

function intParam(query: URLSearchParams, name: string, fallback: number, ge: number | null, le: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (!/^[+-]?\d+$/.test(raw.trim())) {
    throw invalidRequest([
      {
        loc: ['query', name],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        type: 'int_parsing',
      },
    ]);
  }
  const n = Number(raw);
  if (ge !== null && n < ge) {
    throw invalidRequest([
      { loc: ['query', name], msg: `Input should be greater than or equal to ${ge}`, type: 'greater_than_equal' },
    ]);
  }
  if (n > le)
    throw invalidRequest([
      { loc: ['query', name], msg: `Input should be less than or equal to ${le}`, type: 'less_than_equal' },
    ]);
  return n;
}

/** `parse_query_param` plus the include keys: repeatable or comma-separated, `vectors:name1,name2`. */
function includeParam(query: URLSearchParams): Include {
  const include = { responses: false, suggestions: false, vectors: false };
  for (const raw of query.getAll('include')) {
    if (!/^[\w-]+(,[\w-]+)*$/.test(raw) && !/^[\w-]+:[\w-]+(,[\w-]+)*$/.test(raw)) {
      throw new ApiError(422, {
        detail: "'include' query parameter must be of the form 'key1,key2,key3' or 'key:value1,value2,value3'",
      });
    }
    const keys = raw.includes(':') ? [raw.slice(0, raw.indexOf(':'))] : raw.split(',');
    for (const key of keys) {
      if (key !== 'responses' && key !== 'suggestions' && key !== 'vectors') {
        throw invalidRequest([
          { loc: ['query', 'include'], msg: "Input should be 'responses', 'suggestions' or 'vectors'", type: 'enum' },
        ]);
      }
      include[key] = true;
    }
  }
  return include;
}

/** zod issues as pydantic's `errors` list. */
function issues(error: z.ZodError, where: 'body' | 'query'): ValidationIssue[] {
  return error.issues.map((issue) => ({
    loc: [where, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))],
    msg: issue.message,
    type:
      issue.code === 'too_big'
        ? 'too_long'
        : issue.code === 'too_small'
          ? 'too_short'
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'missing'
            : issue.code,
  }));
}

function parseBody<T>(schema: z.ZodType<T>, raw: string | null): T {
  if (raw === null || raw.trim() === '')
    throw invalidRequest([{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw invalidRequest([{ loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' }]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidRequest(issues(parsed.error, 'body'));
  return parsed.data;
}

const HttpUrl = z
  .string()
  .max(2083)
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { message: 'Input should be a valid URL' },
  );
const Events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .refine((e) => new Set(e).size === e.length, { message: 'Events must be unique' });
const WebhookCreate = z.object({
  url: HttpUrl,
  events: Events,
  description: z.string().min(1).max(1000).nullable().optional(),
});
const WebhookUpdate = z.object({
  url: HttpUrl.optional(),
  events: Events.optional(),
  enabled: z.boolean().optional(),
  description: z.string().min(1).max(1000).nullable().optional(),
});

// Control API bodies (snake_case, like the API they sit next to).
const Span = z.object({ label: z.string(), start: z.int(), end: z.int() });
const ControlResponse = z.object({
  record_id: z.string(),
  username: z.string().optional(),
  status: z.enum(['draft', 'submitted', 'discarded']).optional(),
  values: z
    .record(z.string(), z.object({ value: z.unknown() }))
    .nullable()
    .optional(),
  spans: z.array(Span).optional(),
  question: z.string().optional(),
  proposal: z.string().optional(),
  proposal_question: z.string().optional(),
  add_missing_labels: z.boolean().optional(),
});
type ControlResponse = z.infer<typeof ControlResponse>;
const ControlGenerate = z.object({
  name: z.string().optional(),
  workspace: z.string().optional(),
  responses: z.int().min(1).max(1_000_000),
  annotators: z.array(z.string()).min(1).optional(),
  per_record: z.int().min(1).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  draft_every: z.int().min(0).optional(),
  discarded_every: z.int().min(0).optional(),
  seed: z.int().optional(),
});
const ControlFault = z
  .object({
    count: z.int().min(1),
    status: z.int().min(200).max(599).optional(),
    body: z.unknown().optional(),
    path_prefix: z.string().optional(),
    retry_after: z.int().min(0).optional(),
  })
  .refine((b) => b.body !== undefined || (b.status ?? 429) >= 400, {
    path: ['status'],
    message: 'a status below 400 needs a body',
  });

function fromControl(b: ControlResponse): SubmitInput {
  return {
    recordId: b.record_id,
    ...(b.username !== undefined ? { username: b.username } : {}),
    ...(b.status !== undefined ? { status: b.status } : {}),
    ...(b.values !== undefined ? { values: b.values } : {}),
    ...(b.spans !== undefined ? { spans: b.spans } : {}),
    ...(b.question !== undefined ? { question: b.question } : {}),
    ...(b.proposal !== undefined ? { proposal: b.proposal } : {}),
    ...(b.proposal_question !== undefined ? { proposalQuestion: b.proposal_question } : {}),
    ...(b.add_missing_labels !== undefined ? { addMissingLabels: b.add_missing_labels } : {}),
  };
}

function isMember(user: User, workspaceId: string): boolean {
  return user.workspaceIds.has(workspaceId);
}

/** `DatasetPolicy.get`: owner or any member of the dataset's workspace. */
function mayRead(user: User, dataset: { workspace_id: string }): boolean {
  return user.role === 'owner' || isMember(user, dataset.workspace_id);
}

/** `search_records_with_all_responses` / `list_records_with_all_responses`: owner, or an admin member. */
function mayReadAllResponses(user: User, dataset: Dataset): boolean {
  return user.role === 'owner' || (user.role === 'admin' && isMember(user, dataset.workspace_id));
}

interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Raw text instead of JSON (proxy-style 5xx pages). */
  readonly text?: string;
}

export async function startArgillaStandin(options: StandinOptions = {}): Promise<ArgillaStandin> {
  if (options.host !== undefined && options.host !== '127.0.0.1')
    throw new Error('the Argilla stand-in listens on 127.0.0.1 only');
  const store = new Store(options.clock ?? (() => new Date()));
  const dispatcher = new WebhookDispatcher(store, options.webhooks);
  const seeds = options.seed === undefined ? [] : Array.isArray(options.seed) ? options.seed : [options.seed];
  const seed = (fixture: string | Fixture) => store.seed(typeof fixture === 'string' ? readFixture(fixture) : fixture);
  const keys = options.apiKeys ?? { [DEFAULT_API_KEY]: { username: 'argilla', role: 'owner', workspaces: [] } };
  for (const s of seeds as (string | Fixture)[]) seed(s);
  for (const [key, holder] of Object.entries(keys)) store.grantKey(key, holder);
  const apiKey = Object.keys(keys)[0];
  if (apiKey === undefined) throw new Error('apiKeys must hold at least one key');

  const faults: { remaining: number; fault: Fault }[] = [];
  const requests: { method: string; path: string; status: number }[] = [];

  function defaultUser(record: StoredRecord): string {
    const dataset = store.dataset(record.dataset_id);
    const users = [...store.users.values()];
    const annotators = users.filter((u) => u.role === 'annotator' && isMember(u, dataset.workspace_id));
    // Someone who has not answered this record yet, so a default submit never overwrites an SME's work.
    const pick =
      annotators.find((u) => !record.responses.some((r) => r.user_id === u.id)) ??
      annotators[0] ??
      users.find((u) => u.role === 'owner');
    if (!pick) throw new ApiError(422, { detail: 'no user to answer as: give a username' });
    return pick.username;
  }

  function toResponseInput(input: SubmitInput, fallbackStatus: ResponseStatus) {
    const record = store.record(input.recordId);
    const dataset = store.dataset(record.dataset_id);
    const username = input.username ?? defaultUser(record);
    const previous = record.responses.find((r) => r.user_id === store.userByName(username)?.id);
    let values: Values | null = input.values !== undefined ? input.values : (previous?.values ?? null);
    if (input.spans !== undefined || input.proposal !== undefined) values = { ...(values ?? {}) };
    if (input.spans !== undefined) {
      const question = dataset.questions.find((q) =>
        input.question !== undefined ? q.name === input.question : q.settings.type === 'span',
      );
      if (!question)
        throw new ApiError(422, {
          detail: `Dataset \`${dataset.id}\` has no span question${input.question ? ` named ${input.question}` : ''}`,
        });
      if (input.addMissingLabels) for (const s of input.spans) store.addSpanLabel(dataset, s.label);
      (values as Values)[question.name] = {
        value: input.spans.map((s) => ({ label: s.label, start: s.start, end: s.end })),
      };
    }
    if (input.proposal !== undefined)
      (values as Values)[input.proposalQuestion ?? 'proposed_entity_type'] = { value: input.proposal };
    return { recordId: record.id, username, status: input.status ?? fallbackStatus, values };
  }

  const control = {
    submitResponse: (input: SubmitInput) =>
      responseJson(store.upsertResponse(toResponseInput(input, 'submitted')).response),
    discardResponse: (input: SubmitInput) =>
      responseJson(store.upsertResponse(toResponseInput({ ...input, status: 'discarded' }, 'discarded')).response),
    deleteResponse: (id: string) => responseJson(store.deleteResponse(id)),
    bulkResponses: (inputs: readonly SubmitInput[]) =>
      inputs.map((i) => responseJson(store.upsertResponse(toResponseInput(i, 'submitted'), { bulk: true }).response)),
    generateDataset: (o: GenerateOptions) => {
      const dataset = store.addDataset(generateDataset(o));
      const responses = dataset.records.reduce((n, r) => n + r.responses.length, 0);
      return { dataset: datasetJson(dataset), records: dataset.records.length, responses };
    },
    failNext: (count: number, fault: Fault = { status: 429 }) => {
      if (fault.body === undefined && fault.status < 400) throw new Error('a fault below 400 needs a body');
      faults.push({ remaining: count, fault });
    },
  };

  async function readBody(req: IncomingMessage): Promise<string | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw new ApiError(413, { detail: 'Request body too large' });
      chunks.push(chunk as Buffer);
    }
    return chunks.length === 0 ? null : Buffer.concat(chunks).toString('utf8');
  }

  function authenticate(req: IncomingMessage): User {
    const key = req.headers['x-argilla-api-key'];
    const user = typeof key === 'string' && key !== '' ? store.userByKey(key) : undefined;
    if (user) return user;
    // NOTE: the Bearer (JWT) backend is tried after the key; this stand-in issues no tokens.
    if (typeof req.headers.authorization === 'string' && /^bearer\s/i.test(req.headers.authorization))
      throw unauthorized('Invalid token');
    throw unauthorized();
  }

  function takeFault(path: string): Fault | null {
    const next = faults.find((f) => path.startsWith(f.fault.pathPrefix ?? '/api/'));
    if (!next) return null;
    next.remaining--;
    if (next.remaining <= 0) faults.splice(faults.indexOf(next), 1);
    return next.fault;
  }

  function faultReply(fault: Fault): Reply {
    if (fault.body !== undefined) return { status: fault.status, body: fault.body };
    if (fault.status === 429) {
      // NOTE: Argilla itself never answers 429 (reference 8); this is what a proxy in front of it would send.
      return {
        status: 429,
        headers: { 'retry-after': String(fault.retryAfter ?? 1) },
        body: { detail: 'Too Many Requests' },
      };
    }
    if (fault.status === 500)
      return { status: 500, body: serverError('InjectedFault', 'injected by the stand-in').body };
    return {
      status: fault.status,
      text: `${fault.status} injected by the Argilla stand-in`,
      headers: { 'content-type': 'text/plain' },
    };
  }

  async function api(req: IncomingMessage, path: string, query: URLSearchParams): Promise<Reply> {
    const method = req.method ?? 'GET';
    const notAllowed = (): Reply => ({ status: 405, body: { detail: 'Method Not Allowed' } });

    if (path === '/api/v1/me') {
      if (method !== 'GET') return notAllowed();
      return { status: 200, body: userJson(authenticate(req)) };
    }
    if (path === '/api/v1/me/datasets') {
      if (method !== 'GET') return notAllowed();
      const user = authenticate(req);
      const workspaceRaw = query.get('workspace_id');
      const workspaceId = workspaceRaw === null ? null : uuidParam('query', 'workspace_id', workspaceRaw);
      const status = query.get('status');
      if (status !== null && status !== 'draft' && status !== 'ready') {
        throw invalidRequest([{ loc: ['query', 'status'], msg: "Input should be 'draft' or 'ready'", type: 'enum' }]);
      }
      if (workspaceId !== null && user.role !== 'owner' && !isMember(user, workspaceId)) throw forbidden();
      const name = query.get('name');
      const items = store.datasets.filter(
        (d) =>
          mayRead(user, d) &&
          (workspaceId === null || d.workspace_id === workspaceId) &&
          (name === null || d.name === name) &&
          (status === null || d.status === status),
      );
      return { status: 200, body: { items: items.map(datasetJson) } };
    }
    const datasetRoute = /^\/api\/v1\/datasets\/([^/]+)(\/questions|\/fields|\/records|\/records\/search)?$/.exec(path);
    if (datasetRoute) {
      const m = datasetRoute;
      const sub = m[2] ?? '';
      const wanted = sub === '/records/search' ? 'POST' : 'GET';
      if (method !== wanted) return notAllowed();
      const user = authenticate(req);
      const include = sub === '/records' || sub === '/records/search' ? includeParam(query) : null;
      const offset =
        sub === '/records/search'
          ? intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
          : sub === '/records'
            ? intParam(query, 'offset', 0, null, Number.MAX_SAFE_INTEGER)
            : 0;
      const limit = include ? intParam(query, 'limit', 50, 1, 1000) : 0;
      const id = uuidParam('path', 'dataset_id', m[1] as string);
      const body = sub === '/records/search' ? parseBody(SearchRecordsQuery, await readBody(req)) : null;
      const dataset = store.dataset(id);
      if (sub === '/records' || sub === '/records/search') {
        if (!mayReadAllResponses(user, dataset)) throw forbidden();
      } else if (!mayRead(user, dataset)) throw forbidden();
      if (sub === '') return { status: 200, body: datasetJson(dataset) };
      if (sub === '/questions') return { status: 200, body: { items: dataset.questions.map(questionJson) } };
      if (sub === '/fields') return { status: 200, body: { items: dataset.fields.map(fieldJson) } };
      if (sub === '/records') {
        const page = dataset.records.slice(Math.max(0, offset), Math.max(0, offset) + limit);
        return {
          status: 200,
          body: { items: page.map((r) => recordJson(r, include as Include)), total: dataset.records.length },
        };
      }
      if (offset + limit > 500_000) {
        // Elasticsearch's max_result_window; upstream this surfaces as a search engine error.
        throw serverError(
          'BadRequestError',
          'Result window is too large, from + size must be less than or equal to: [500000]',
        );
      }
      const hits = searchRecords(dataset, body as SearchRecordsQuery);
      return {
        status: 200,
        body: {
          items: hits
            .slice(offset, offset + limit)
            .map((h) => ({ record: recordJson(h.record, include as Include), query_score: h.score })),
          total: hits.length,
        },
      };
    }
    const mySearchRoute = /^\/api\/v1\/me\/datasets\/([^/]+)\/records\/search$/.exec(path);
    if (mySearchRoute) {
      const m = mySearchRoute;
      if (method !== 'POST') return notAllowed();
      const user = authenticate(req);
      const include = includeParam(query);
      const offset = intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(query, 'limit', 50, 1, 1000);
      const id = uuidParam('path', 'dataset_id', m[1] as string);
      const body = parseBody(SearchRecordsQuery, await readBody(req));
      const dataset = store.dataset(id);
      if (!mayRead(user, dataset)) throw forbidden();
      const hits = searchRecords(dataset, body);
      return {
        status: 200,
        body: {
          items: hits
            .slice(offset, offset + limit)
            .map((h) => ({ record: recordJson(h.record, include, user.id), query_score: h.score })),
          total: hits.length,
        },
      };
    }
    const recordRoute = /^\/api\/v1\/records\/([^/]+)$/.exec(path);
    if (recordRoute) {
      const m = recordRoute;
      if (method !== 'GET') return notAllowed();
      const user = authenticate(req);
      const record = store.record(uuidParam('path', 'record_id', m[1] as string));
      if (!mayRead(user, store.dataset(record.dataset_id))) throw forbidden();
      return { status: 200, body: recordJson(record, { responses: true, suggestions: true, vectors: true }) };
    }
    const workspaceUsersRoute = /^\/api\/v1\/workspaces\/([^/]+)\/users$/.exec(path);
    if (workspaceUsersRoute) {
      const m = workspaceUsersRoute;
      if (method !== 'GET') return notAllowed();
      const user = authenticate(req);
      const id = uuidParam('path', 'workspace_id', m[1] as string);
      // This handler authorizes before it looks the workspace up.
      if (user.role !== 'owner' && !(user.role === 'admin' && isMember(user, id))) throw forbidden();
      if (!store.workspaces.has(id)) throw notFound('Workspace', id);
      const members = [...store.users.values()].filter((u) => isMember(u, id));
      return { status: 200, body: { items: members.map(userJson) } };
    }
    if (path === '/api/v1/webhooks') {
      const user = authenticate(req);
      if (method === 'GET') {
        if (user.role !== 'owner') throw forbidden();
        return { status: 200, body: { items: store.webhooks.map(webhookJson) } };
      }
      if (method === 'POST') {
        const body = parseBody(WebhookCreate, await readBody(req));
        if (user.role !== 'owner') throw forbidden();
        const webhook = store.addWebhook({
          url: body.url,
          events: body.events as WebhookEvent[],
          description: body.description ?? null,
        });
        return { status: 201, body: webhookJson(webhook) };
      }
      return notAllowed();
    }
    const webhookRoute = /^\/api\/v1\/webhooks\/([^/]+)(\/ping)?$/.exec(path);
    if (webhookRoute) {
      const m = webhookRoute;
      const user = authenticate(req);
      const id = uuidParam('path', 'webhook_id', m[1] as string);
      if (m[2] === '/ping') {
        if (method !== 'POST') return notAllowed();
        const webhook = store.webhook(id);
        if (user.role !== 'owner') throw forbidden();
        await dispatcher.ping(webhook, store.now());
        return { status: 204 };
      }
      if (method === 'PATCH') {
        const raw = await readBody(req);
        const parsed = parseBody(WebhookUpdate, raw);
        const sent = JSON.parse(raw as string) as Record<string, unknown>;
        const nulls = (['url', 'events', 'enabled'] as const).filter((k) => k in sent && sent[k] === null);
        if (nulls.length > 0) {
          throw invalidRequest(
            nulls.map((k) => ({ loc: ['body', k], msg: `${k} cannot be null`, type: 'value_error' })),
          );
        }
        const webhook = store.webhook(id);
        if (user.role !== 'owner') throw forbidden();
        if (parsed.url !== undefined) webhook.url = parsed.url;
        if (parsed.events !== undefined) webhook.events = parsed.events as WebhookEvent[];
        if (parsed.enabled !== undefined) webhook.enabled = parsed.enabled;
        if (parsed.description !== undefined) webhook.description = parsed.description;
        webhook.updated_at = store.now();
        return { status: 200, body: webhookJson(webhook) };
      }
      if (method === 'DELETE') {
        store.webhook(id);
        if (user.role !== 'owner') throw forbidden();
        return { status: 200, body: webhookJson(store.deleteWebhook(id)) };
      }
      return notAllowed();
    }
    return { status: 404, body: { detail: 'Not Found' } };
  }

  async function controlApi(req: IncomingMessage, path: string): Promise<Reply> {
    const method = req.method ?? 'GET';
    const json = async <T>(schema: z.ZodType<T>) => parseBody(schema, await readBody(req));
    if (path === '/__standin/state' && method === 'GET') {
      return {
        status: 200,
        body: {
          datasets: store.datasets.map((d) => ({
            id: d.id,
            name: d.name,
            workspace: store.workspaces.get(d.workspace_id)?.name,
            records: d.records.length,
            responses: d.records.reduce((n, r) => n + r.responses.length, 0),
            labels: d.questions
              .filter((q) => q.settings.type === 'span')
              .flatMap((q) => (q.settings.options as { value: string }[]).map((o) => o.value)),
            first_record_id: d.records[0]?.id ?? null,
            last_activity_at: datasetJson(d).last_activity_at,
          })),
          users: [...store.users.values()].map((u) => ({
            username: u.username,
            role: u.role,
            workspaces: [...u.workspaceIds].map((id) => store.workspaces.get(id)?.name),
          })),
          webhooks: store.webhooks.length,
        },
      };
    }
    if (path === '/__standin/seed' && method === 'POST') {
      const { Fixture: FixtureSchema } = await import('./fixture.ts');
      seed(await json(FixtureSchema));
      return { status: 201, body: { datasets: store.datasets.map(datasetJson) } };
    }
    if (path === '/__standin/responses' && method === 'POST') {
      const input = fromControl(await json(ControlResponse));
      const before = store.record(input.recordId).responses.length;
      const response = control.submitResponse(input);
      return { status: store.record(input.recordId).responses.length > before ? 201 : 200, body: response };
    }
    if (path === '/__standin/responses/bulk' && method === 'POST') {
      const body = await json(z.object({ items: z.array(ControlResponse).min(1) }));
      return { status: 200, body: { items: control.bulkResponses(body.items.map(fromControl)) } };
    }
    const del = /^\/__standin\/responses\/([^/]+)$/.exec(path);
    if (del && method === 'DELETE') return { status: 200, body: control.deleteResponse(del[1] as string) };
    if (path === '/__standin/generate' && method === 'POST') {
      const b = await json(ControlGenerate);
      return {
        status: 201,
        body: control.generateDataset({
          responses: b.responses,
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.workspace !== undefined ? { workspace: b.workspace } : {}),
          ...(b.annotators !== undefined ? { annotators: b.annotators } : {}),
          ...(b.per_record !== undefined ? { perRecord: b.per_record } : {}),
          ...(b.from !== undefined ? { from: b.from } : {}),
          ...(b.to !== undefined ? { to: b.to } : {}),
          ...(b.draft_every !== undefined ? { draftEvery: b.draft_every } : {}),
          ...(b.discarded_every !== undefined ? { discardedEvery: b.discarded_every } : {}),
          ...(b.seed !== undefined ? { seed: b.seed } : {}),
        }),
      };
    }
    if (path === '/__standin/faults' && method === 'POST') {
      const b = await json(ControlFault);
      control.failNext(b.count, {
        status: b.status ?? 429,
        ...(b.path_prefix !== undefined ? { pathPrefix: b.path_prefix } : {}),
        ...(b.retry_after !== undefined ? { retryAfter: b.retry_after } : {}),
        ...(b.body !== undefined ? { body: b.body } : {}),
      });
      return { status: 204 };
    }
    if (path === '/__standin/webhooks/deliveries' && method === 'GET') {
      await dispatcher.idle();
      return { status: 200, body: { items: dispatcher.deliveries } };
    }
    return { status: 404, body: { detail: 'Not Found' } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    let reply: Reply;
    try {
      if (path.startsWith('/__standin/')) reply = await controlApi(req, path);
      else {
        const fault = takeFault(path);
        reply = fault ? faultReply(fault) : await api(req, path, url.searchParams);
      }
    } catch (error) {
      if (error instanceof ApiError) reply = { status: error.status, body: error.body, headers: error.headers };
      else
        reply = { status: 500, body: serverError(error instanceof Error ? error.name : 'Error', String(error)).body };
    }
    if (!path.startsWith('/__standin/'))
      requests.push({ method: req.method ?? 'GET', path: `${path}${url.search}`, status: reply.status });
    // Drain an unread body so keep-alive connections stay usable.
    if (!req.readableEnded) req.resume();
    const headers: Record<string, string> = {
      'server-timing': `total;dur=${(performance.now() - started).toFixed(1)}`,
      ...(reply.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...reply.headers,
    };
    res.writeHead(reply.status, headers);
    res.end(reply.text ?? (reply.body !== undefined ? JSON.stringify(reply.body) : undefined));
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    store,
    seed,
    ...control,
    get deliveries() {
      return dispatcher.deliveries;
    },
    webhooksIdle: () => dispatcher.idle(),
    requests,
    close: async () => {
      dispatcher.close();
      await dispatcher.idle();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
