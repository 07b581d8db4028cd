// One error type decides ack vs retry vs dead-letter in queues and the status code in HTTP.

export type ErrorCode =
  | 'bad_request'
  | 'query_refused'
  | 'query_failed'
  | 'query_timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'conflict'
  | 'bad_file'
  | 'proposal_refused'
  | 'warehouse_unavailable'
  | 'warehouse_query'
  | 'storage_unavailable'
  | 'upstream_refused'
  | 'upstream_unavailable'
  | 'internal'
  | 'not_implemented';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  // A query (POST /api/query) the safety check refused, that the warehouse could not run, or that ran past
  // its mode's time limit and was cancelled: the same query fails the same way again.
  query_refused: 400,
  query_failed: 400,
  query_timeout: 400,
  unauthorized: 401,
  // A console form without this session's CSRF token, or posted from another origin.
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  not_acceptable: 406,
  conflict: 409,
  bad_file: 422,
  // The model's answer to POST /api/ask had no SELECT, or the query safety check refused its SQL.
  proposal_refused: 422,
  warehouse_unavailable: 503,
  warehouse_query: 500,
  storage_unavailable: 503,
  // An upstream service (Argilla, Workers AI) refused the request: a bad key, a missing dataset or model, a
  // request it rejects.
  upstream_refused: 502,
  upstream_unavailable: 503,
  internal: 500,
  // This Worker lacks what the route needs (no AI binding, no query engine wired).
  not_implemented: 501,
};

/** Every code, for documents that list them. */
export const ERROR_CODES = Object.keys(STATUS) as readonly ErrorCode[];

const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  'warehouse_unavailable',
  'storage_unavailable',
  'upstream_unavailable',
]);

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Transient: the same work may succeed later (queue retry, HTTP 503). */
  readonly retryable: boolean;
  /** SQLSTATE when the warehouse reported one. */
  readonly sqlstate: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; sqlstate?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    this.sqlstate = options.sqlstate;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Message of anything thrown, for logs and reports. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
