// Argilla's two error styles (reference section 7): the legacy `ServerError` wrapper and the flat "future" one.

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}) {
    super(`HTTP ${status}: ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

export interface ValidationIssue {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
}

const wrapped = (status: number, code: string, params: unknown) =>
  new ApiError(status, { detail: { code: `argilla.api.errors::${code}`, params } });

/** 401: no key, an unknown key or (for `Authorization: Bearer`) a token this stand-in cannot issue. */
export const unauthorized = (detail = 'Could not validate credentials') =>
  wrapped(401, 'UnauthorizedError', { detail });

/** 403: authenticated, but the policy says no. */
export const forbidden = () => wrapped(403, 'ForbiddenOperationError', { detail: 'Operation not allowed' });

/** 422 request validation (query, path or body), in the wrapper style. */
export const invalidRequest = (errors: readonly ValidationIssue[]) => wrapped(422, 'ValidationError', { errors });

/** 404 in the flat style: ``{Model} with id `{id}` not found``. */
export const notFound = (model: string, id: string) =>
  new ApiError(404, { detail: `${model} with id \`${id}\` not found` });

/** 422 in the flat style (unknown field or question, span out of bounds, too many webhooks). */
export const unprocessable = (detail: string) => new ApiError(422, { detail });

/** 409 in the flat style. */
export const notUnique = (detail: string) => new ApiError(409, { detail });

/** 500 in the wrapper style. */
export const serverError = (type: string, message: string) => wrapped(500, 'GenericServerError', { type, message });
