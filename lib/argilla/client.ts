// The Argilla 2.x HTTP client the sync uses: datasets, questions, fields, workspace users and every record
// with all users' responses. Injected fetch and sleep; every body checked with zod; timeouts, 429 and 5xx
// retried with capped backoff a bounded number of times; refusals (401/403/404/422) become an AppError
// naming the dataset and Argilla's own error code and detail.
import type { z } from 'zod';
import { AppError, errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  type ArgillaDataset,
  ArgillaDatasetList,
  ArgillaErrorBody,
  type ArgillaField,
  ArgillaFieldList,
  type ArgillaQuestion,
  ArgillaQuestionList,
  type ArgillaRecord,
  type ArgillaUser,
  ArgillaUserList,
  ArgillaDataset as DatasetSchema,
  describeErrorBody,
  type SearchRecordsQuery,
  SearchRecordsResult,
} from './schemas.ts';

/** Argilla's largest page (LIST_DATASET_RECORDS_LIMIT_LE). */
export const MAX_PAGE_SIZE = 1000;
/** Search results are an Elasticsearch window: offset + limit must stay within max_result_window. */
export const MAX_RESULT_WINDOW = 500_000;
/** At most this many values in one `terms` filter. */
export const MAX_TERMS = 250;

export interface ArgillaClientOptions {
  /** Argilla's base URL (the API is under `<baseUrl>/api/v1`). */
  readonly baseUrl: string;
  /** An owner's key, or the key of an admin who is a member of the datasets' workspace. */
  readonly apiKey: string;
  readonly fetch: typeof fetch;
  /** Waits between attempts (tests pass a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log: Logger;
  /** Milliseconds now, for Retry-After dates (default Date.now). */
  readonly now?: () => number;
  /** Per-attempt timeout, default 30 s. */
  readonly timeoutMs?: number;
  /** Attempts per request, default 5 (a first try and 4 retries). */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each time, default 500 ms. */
  readonly baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included, default 30 s. */
  readonly maxDelayMs?: number;
}

export interface RecordPage {
  readonly offset: number;
  readonly records: readonly ArgillaRecord[];
  /** Matching records in all (exact: Argilla asks Elasticsearch with track_total_hits). */
  readonly total: number;
}

export interface ArgillaClient {
  /** GET /api/v1/me/datasets: every dataset the key may see, optionally of one workspace and one exact name. */
  listDatasets(filter?: { readonly workspaceId?: string; readonly name?: string }): Promise<ArgillaDataset[]>;
  getDataset(id: string): Promise<ArgillaDataset>;
  listQuestions(datasetId: string): Promise<ArgillaQuestion[]>;
  listFields(datasetId: string): Promise<ArgillaField[]>;
  /** GET /api/v1/workspaces/{id}/users: how a response's user_id maps to a username. */
  listWorkspaceUsers(workspaceId: string): Promise<ArgillaUser[]>;
  /**
   * One page of records with every user's responses, sorted by inserted_at then id so offsets are stable
   * (`recordIds`: only those records, at most 250).
   */
  searchRecords(
    datasetId: string,
    page: { readonly offset: number; readonly limit: number; readonly recordIds?: readonly string[] },
  ): Promise<RecordPage>;
  /** Every page of searchRecords, `pageSize` (default 1,000) at a time. */
  recordPages(
    datasetId: string,
    options?: { readonly pageSize?: number; readonly recordIds?: readonly string[] },
  ): AsyncIterable<RecordPage>;
  /** Every record (with responses) of the dataset, page after page. */
  records(datasetId: string, options?: { readonly pageSize?: number }): AsyncIterable<ArgillaRecord>;
}

interface Call {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** What the request was about, for errors: "dataset <id>", "datasets of workspace <id>". */
  readonly subject: string;
}

class Retryable extends Error {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The client over Argilla's HTTP API. The key is sent as `X-Argilla-Api-Key`. */
export function createArgillaClient(options: ArgillaClientOptions): ArgillaClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const baseDelay = options.baseDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const now = options.now ?? (() => Date.now());

  async function attempt(call: Call): Promise<unknown> {
    const url = new URL(`${base}/api/v1${call.path}`);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { 'x-argilla-api-key': options.apiKey, accept: 'application/json' };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await options.fetch(url.toString(), {
        method: call.method,
        headers,
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // A timeout or a connection failure: the same request may succeed later.
      throw new Retryable(`${call.method} ${call.path}: ${errorMessage(error)}`, null);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 429 || response.status >= 500) {
      const wait = retryAfterMs(response.headers.get('retry-after'), now());
      throw new Retryable(`${call.method} ${call.path} answered ${response.status}: ${text.slice(0, 300)}`, wait);
    }
    if (!response.ok) throw refusal(call, response.status, text);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AppError('upstream_refused', `Argilla answered ${call.subject} with a body that is not JSON`);
    }
  }

  async function request<S extends z.ZodType>(call: Call, schema: S): Promise<z.output<S>> {
    let last = '';
    for (let i = 1; i <= maxAttempts; i += 1) {
      try {
        const body = await attempt(call);
        const parsed = schema.safeParse(body);
        if (!parsed.success) {
          throw new AppError(
            'upstream_refused',
            `Argilla's answer for ${call.subject} (${call.method} ${call.path}) does not have the expected shape: ${parsed.error.message.slice(0, 500)}`,
          );
        }
        return parsed.data;
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        last = error.message;
        if (i === maxAttempts) break;
        const backoff = Math.min(maxDelay, baseDelay * 2 ** (i - 1));
        const wait = Math.min(maxDelay, error.retryAfterMs ?? backoff);
        options.log.warn('argilla request retried', { subject: call.subject, attempt: i, waitMs: wait, error: last });
        await sleep(wait);
      }
    }
    throw new AppError(
      'upstream_unavailable',
      `Argilla did not answer ${call.subject} after ${maxAttempts} attempts: ${last}`,
    );
  }

  const dataset = (id: string) => `dataset ${id}`;
  const enc = encodeURIComponent;

  async function searchRecords(
    datasetId: string,
    page: { readonly offset: number; readonly limit: number; readonly recordIds?: readonly string[] },
  ): Promise<RecordPage> {
    if (page.limit < 1 || page.limit > MAX_PAGE_SIZE) throw new Error(`page size ${page.limit} is not 1..1000`);
    if (page.offset + page.limit > MAX_RESULT_WINDOW) {
      throw new AppError(
        'upstream_refused',
        `dataset ${datasetId} has more records than Argilla's search can page through (offset + limit ≤ ${MAX_RESULT_WINDOW})`,
      );
    }
    const ids = page.recordIds;
    if (ids !== undefined && (ids.length === 0 || ids.length > MAX_TERMS)) {
      throw new Error(`recordIds must hold 1..${MAX_TERMS} ids`);
    }
    const body: SearchRecordsQuery = {
      ...(ids
        ? { filters: { and: [{ type: 'terms', scope: { entity: 'record', property: 'id' }, values: [...ids] }] } }
        : {}),
      sort: [
        { scope: { entity: 'record', property: 'inserted_at' }, order: 'asc' },
        { scope: { entity: 'record', property: 'id' }, order: 'asc' },
      ],
    };
    const result = await request(
      {
        method: 'POST',
        path: `/datasets/${enc(datasetId)}/records/search`,
        query: { include: 'responses', offset: String(page.offset), limit: String(page.limit) },
        body,
        subject: dataset(datasetId),
      },
      SearchRecordsResult,
    );
    return { offset: page.offset, records: result.items.map((i) => i.record), total: result.total };
  }

  async function* recordPages(
    datasetId: string,
    opts: { readonly pageSize?: number; readonly recordIds?: readonly string[] } = {},
  ): AsyncGenerator<RecordPage> {
    const limit = opts.pageSize ?? MAX_PAGE_SIZE;
    let offset = 0;
    for (;;) {
      const page = await searchRecords(datasetId, {
        offset,
        limit,
        ...(opts.recordIds ? { recordIds: opts.recordIds } : {}),
      });
      yield page;
      offset += page.records.length;
      if (page.records.length < limit || offset >= page.total) return;
    }
  }

  return {
    async listDatasets(filter = {}) {
      const query: Record<string, string> = {};
      if (filter.workspaceId !== undefined) query.workspace_id = filter.workspaceId;
      if (filter.name !== undefined) query.name = filter.name;
      const subject = `datasets${filter.name ? ` named ${filter.name}` : ''}${filter.workspaceId ? ` of workspace ${filter.workspaceId}` : ''}`;
      const list = await request({ method: 'GET', path: '/me/datasets', query, subject }, ArgillaDatasetList);
      return list.items;
    },
    getDataset: (id) => request({ method: 'GET', path: `/datasets/${enc(id)}`, subject: dataset(id) }, DatasetSchema),
    listQuestions: async (id) =>
      (
        await request(
          { method: 'GET', path: `/datasets/${enc(id)}/questions`, subject: dataset(id) },
          ArgillaQuestionList,
        )
      ).items,
    listFields: async (id) =>
      (await request({ method: 'GET', path: `/datasets/${enc(id)}/fields`, subject: dataset(id) }, ArgillaFieldList))
        .items,
    listWorkspaceUsers: async (id) =>
      (
        await request(
          { method: 'GET', path: `/workspaces/${enc(id)}/users`, subject: `users of workspace ${id}` },
          ArgillaUserList,
        )
      ).items,
    searchRecords,
    recordPages,
    async *records(datasetId, opts = {}) {
      for await (const page of recordPages(datasetId, opts)) yield* page.records;
    },
  };
}

const HINT: Record<number, string> = {
  401: 'the key is missing or invalid (X-Argilla-Api-Key)',
  403: "the key's user may not do this: use an owner's key or an admin's who is a member of the dataset's workspace",
  404: 'Argilla has no such resource',
  422: 'Argilla refused the request',
};

/** A 4xx answer as an AppError naming the subject and Argilla's own code and detail. */
function refusal(call: Call, status: number, text: string): AppError {
  let code: string | null = null;
  let detail = text.slice(0, 300);
  try {
    const parsed = ArgillaErrorBody.safeParse(JSON.parse(text));
    if (parsed.success) ({ code, detail } = describeErrorBody(parsed.data));
  } catch {
    // Not JSON (a proxy's page): keep the text.
  }
  const hint = HINT[status] ?? `Argilla answered ${status}`;
  const message = `Argilla refused ${call.method} ${call.path} for ${call.subject}: ${status} ${code ?? 'error'}: ${detail} (${hint})`;
  return new ArgillaRefusal(message, { status, argillaCode: code, detail, subject: call.subject });
}

/** Argilla answered 4xx: the same request will not succeed until something changes (key, role, config). */
export class ArgillaRefusal extends AppError {
  readonly httpStatus: number;
  readonly argillaCode: string | null;
  readonly detail: string;
  readonly subject: string;

  constructor(message: string, o: { status: number; argillaCode: string | null; detail: string; subject: string }) {
    super(o.status === 404 ? 'not_found' : 'upstream_refused', message);
    this.httpStatus = o.status;
    this.argillaCode = o.argillaCode;
    this.detail = o.detail;
    this.subject = o.subject;
  }
}
