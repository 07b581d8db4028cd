// Posting one message to a Slack incoming webhook, through an injected fetch, and what its answer means:
// sent (2xx), try again later (429 with Retry-After, 5xx, network errors), or refused for good (other 4xx).
import { errorMessage } from '../errors.ts';
import { clip } from './slack-message.ts';

export type SendResult =
  | { readonly outcome: 'sent' }
  | { readonly outcome: 'retry'; readonly error: string; readonly after: Date }
  | { readonly outcome: 'failed'; readonly error: string };

/** Posts one message to an incoming webhook and says what to do with it. */
export async function postToSlack(
  fetcher: typeof fetch,
  webhookUrl: string,
  payload: unknown,
  now: Date,
): Promise<SendResult> {
  let response: Response;
  try {
    response = await fetcher(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
    });
  } catch (error) {
    return { outcome: 'retry', error: `network error: ${errorMessage(error)}`, after: now };
  }
  const body = clip((await response.text().catch(() => '')).trim(), 500);
  if (response.ok) return { outcome: 'sent' };
  if (response.status === 429) {
    const seconds = retryAfterSeconds(response.headers.get('retry-after'), now);
    return {
      outcome: 'retry',
      error: `429 rate limited${body ? `: ${body}` : ''} (retry after ${seconds} s)`,
      after: new Date(now.getTime() + seconds * 1000),
    };
  }
  if (response.status >= 500)
    return { outcome: 'retry', error: `${response.status}${body ? ` ${body}` : ''}`, after: now };
  // 400 invalid_payload, 403 action_prohibited, 404 channel_not_found / no_service, 410 channel_is_archived:
  // sending the same message again cannot succeed.
  return { outcome: 'failed', error: `${response.status} ${body || response.statusText}`.trim() };
}

/** Retry-After in seconds (a number or an HTTP date), at least 1, at most an hour; 60 when absent. */
export function retryAfterSeconds(header: string | null, now: Date): number {
  if (header === null || header.trim() === '') return 60;
  const n = Number(header);
  const seconds = Number.isFinite(n) ? n : (Date.parse(header) - now.getTime()) / 1000;
  if (!Number.isFinite(seconds)) return 60;
  return Math.min(3600, Math.max(1, Math.ceil(seconds)));
}
