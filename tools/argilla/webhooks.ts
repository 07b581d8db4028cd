// Argilla's webhook management API (owner key only; argilla-2x-api.md 6.1), for the CLI: register the
// receiver for the events the sync acts on, list, delete. Node-only; secrets never reach a log.
import { z } from 'zod';
import { HANDLED_EVENTS } from '../../lib/argilla/webhook-event.ts';

/** The receiver's path on the main Worker (workers/main/routes/argilla-webhook.ts). */
export const WEBHOOK_PATH = '/api/argilla/webhook';

export const ArgillaWebhook = z.looseObject({
  id: z.string(),
  url: z.string(),
  secret: z.string().min(1),
  events: z.array(z.string()),
  enabled: z.boolean(),
  description: z.string().nullable().optional(),
  inserted_at: z.string(),
  updated_at: z.string(),
});
export type ArgillaWebhook = z.infer<typeof ArgillaWebhook>;

const WebhookList = z.object({ items: z.array(ArgillaWebhook) });

export interface ArgillaAdmin {
  /** Argilla's base URL (the API is under /api/v1). */
  readonly url: string;
  /** An owner's API key: webhooks are owner-only. */
  readonly apiKey: string;
  readonly fetch?: typeof fetch;
}

/** A failure Argilla answered (or a network one), with its status and Argilla's own message. */
export class ArgillaAdminError extends Error {
  override readonly name = 'ArgillaAdminError';
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.status = status;
  }
}

/** Argilla's error text from either of its styles (`{"detail": {"code", "params"}}` or `{"detail": "…"}`). */
function argillaDetail(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === 'string') return detail;
  if (detail && typeof detail === 'object') {
    const { code, params } = detail as { code?: unknown; params?: { detail?: unknown } };
    const inner = typeof params?.detail === 'string' ? `: ${params.detail}` : '';
    if (typeof code === 'string') return `${code.replace(/^argilla\.api\.errors::/, '')}${inner}`;
  }
  return JSON.stringify(body);
}

async function call(admin: ArgillaAdmin, method: string, path: string, body?: unknown): Promise<unknown> {
  const target = `${admin.url.replace(/\/+$/, '')}/api/v1${path}`;
  let response: Response;
  try {
    response = await (admin.fetch ?? fetch)(target, {
      method,
      headers: { 'X-Argilla-Api-Key': admin.apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ArgillaAdminError(`cannot reach Argilla at ${admin.url}: ${(error as Error).message}`, null);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = text;
  }
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? ' (webhooks need the API key of an Argilla owner: ARGILLA_API_KEY)'
        : '';
    throw new ArgillaAdminError(
      `Argilla answered ${response.status} to ${method} ${path}: ${argillaDetail(json)}${hint}`,
      response.status,
    );
  }
  return json;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new ArgillaAdminError(`${what}: unexpected answer: ${z.prettifyError(result.error)}`, null);
  return result.data;
}

/** The receiver's URL under a public base URL (`https://host[/prefix]`). */
export function receiverUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
}

/** Registers the receiver for the handled events; the answer holds the secret. */
export async function registerWebhook(admin: ArgillaAdmin, publicUrl: string): Promise<ArgillaWebhook> {
  const body = {
    url: receiverUrl(publicUrl),
    events: [...HANDLED_EVENTS],
    description: 'living-schema: targeted sync of SME responses',
  };
  return parsed(ArgillaWebhook, await call(admin, 'POST', '/webhooks', body), 'POST /api/v1/webhooks');
}

export async function listWebhooks(admin: ArgillaAdmin): Promise<ArgillaWebhook[]> {
  return parsed(WebhookList, await call(admin, 'GET', '/webhooks'), 'GET /api/v1/webhooks').items;
}

export async function deleteWebhook(admin: ArgillaAdmin, id: string): Promise<ArgillaWebhook> {
  const path = `/webhooks/${encodeURIComponent(id)}`;
  return parsed(ArgillaWebhook, await call(admin, 'DELETE', path), `DELETE /api/v1${path}`);
}
