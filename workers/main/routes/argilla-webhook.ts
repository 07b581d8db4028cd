// POST /api/argilla/webhook: Argilla's signed webhook deliveries. The signature is the authentication
// (access `open`); the body is read once, as bytes, before anything parses it.
import { Hono } from 'hono';
import { z } from 'zod';
import { receiveArgillaWebhook } from '../../../lib/argilla/webhook.ts';
import { HANDLED_EVENTS } from '../../../lib/argilla/webhook-event.ts';
import { AppError } from '../../../lib/errors.ts';
import { createWebhookDeps } from '../argilla-deps.ts';
import type { AppEnv } from '../context.ts';
import { describeRoute } from '../describe.ts';
import { ErrorBody } from '../openapi.ts';

export const argillaWebhookRoutes = new Hono<AppEnv>();

const Acknowledged = z
  .object({
    status: z.enum(['queued', 'duplicate', 'ignored']),
    type: z.string().meta({ description: 'the envelope’s event type' }),
    recordId: z.string().optional().meta({ description: 'the record a sync was (or had already been) queued for' }),
    datasetId: z.string().optional(),
  })
  .meta({ id: 'ArgillaWebhookAck' });

const postWebhook = describeRoute({
  summary: 'receive a signed Argilla webhook',
  description: [
    'Standard Webhooks: `webhook-id`, `webhook-timestamp` (seconds, within 5 minutes) and `webhook-signature`',
    '(`v1,<base64>`, space-separated; one must be the HMAC-SHA256 of `id.timestamp.body` with',
    'ARGILLA_WEBHOOK_SECRET). Acts on',
    `${HANDLED_EVENTS.map((e) => `\`${e}\``).join(', ')} by queueing a sync of the record named (argilla-sync);`,
    'a repeat of the same response (or record) and `updated_at` queues nothing, whatever its webhook-id;',
    'other event types are acknowledged and ignored.',
  ].join(' '),
  tags: ['argilla'],
  access: 'open',
  rawBody: { contentType: 'application/json', description: 'the envelope, verified over its exact bytes' },
  responses: {
    200: { description: 'a repeat, or an event type that is ignored', schema: Acknowledged },
    202: { description: 'a sync of the record is queued', schema: Acknowledged },
    400: { description: 'signed, but not an envelope of a handled event', schema: ErrorBody },
    401: { description: 'missing headers, a timestamp out of range or no matching signature', schema: ErrorBody },
  },
});

argillaWebhookRoutes.post('/api/argilla/webhook', postWebhook, async (c) => {
  // The signature covers these exact bytes: read them once, before any JSON parsing.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const outcome = await receiveArgillaWebhook(createWebhookDeps(c.env, c.var.deps), {
    headers: c.req.raw.headers,
    body,
  });
  switch (outcome.kind) {
    case 'rejected':
      throw new AppError('unauthorized', `webhook refused: ${outcome.message}`);
    case 'invalid':
      throw new AppError('bad_request', outcome.message);
    case 'ignored':
      return c.json({ status: 'ignored', type: outcome.type }, 200);
    case 'duplicate':
    case 'queued': {
      const { type, recordId, datasetId } = outcome.event;
      return c.json({ status: outcome.kind, type, recordId, datasetId }, outcome.kind === 'queued' ? 202 : 200);
    }
  }
});
