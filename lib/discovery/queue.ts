// The `discovery` queue: notes from the ingest consumer ("data was loaded") and runs requested through
// the API. One batch makes one run (the queue's batch window is the debounce); requested runs in the same
// batch are coalesced into it.
import { z } from 'zod';
import { retryDelaySeconds } from '../core/backoff.ts';
import { errorMessage } from '../errors.ts';
import { type DiscoveryDeps, type RunOutcome, runDiscovery } from './run.ts';
import { finishRun } from './runs.ts';

export const RunMessage = z.object({
  kind: z.literal('run'),
  runId: z.string().min(1),
  full: z.boolean().default(false),
});
export type RunMessage = z.infer<typeof RunMessage>;

/** What the ingest consumer sends (lib/ingest/consumer.ts DiscoveryNote); only its kind matters here. */
export const IngestedMessage = z.object({ kind: z.literal('ingested') }).loose();

export const DiscoveryMessage = z.discriminatedUnion('kind', [RunMessage, IngestedMessage]);

/** How long a batch waits when another run holds the lock. */
export const BUSY_DELAY_SECONDS = 60;
/** Deliveries before a batch gives up waiting for the lock (wrangler.schema-discovery.toml max_retries). */
export const MAX_ATTEMPTS = 5;

export interface QueueMessage {
  readonly id: string;
  readonly attempts: number;
  readonly body: unknown;
}

export type QueueVerdict = { readonly action: 'ack' } | { readonly action: 'retry'; readonly delaySeconds: number };

/** Runs discovery once for the batch and says what to do with all its messages. */
export async function handleDiscoveryBatch(
  messages: readonly QueueMessage[],
  deps: DiscoveryDeps,
): Promise<{ verdict: QueueVerdict; outcome: RunOutcome | null }> {
  const requested: RunMessage[] = [];
  let notes = 0;
  for (const m of messages) {
    const parsed = DiscoveryMessage.safeParse(m.body);
    if (!parsed.success) {
      deps.log.warn('discovery: ignoring a message that is neither a run request nor an ingest note', {
        messageId: m.id,
        error: z.prettifyError(parsed.error),
      });
      continue;
    }
    if (parsed.data.kind === 'run') requested.push(parsed.data);
    else notes++;
  }
  if (requested.length === 0 && notes === 0) return { verdict: { action: 'ack' }, outcome: null };
  const ids = [...new Set(requested.map((r) => r.runId))];
  const outcome = await runDiscovery(deps, {
    ...(ids[0] === undefined ? {} : { id: ids[0] }),
    trigger: ids.length > 0 ? 'api' : 'queue',
    full: requested.some((r) => r.full),
    coalesce: ids.slice(1),
  });
  const attempts = Math.max(...messages.map((m) => m.attempts));
  if (outcome.status === 'succeeded') return { verdict: { action: 'ack' }, outcome };
  const lastAttempt = attempts >= MAX_ATTEMPTS;
  if (outcome.status === 'busy') {
    if (!lastAttempt) return { verdict: { action: 'retry', delaySeconds: BUSY_DELAY_SECONDS }, outcome };
    await close(
      deps,
      ids,
      'skipped',
      `another discovery run held the lock through ${attempts} attempts; the next run takes in the same data`,
    );
    return { verdict: { action: 'ack' }, outcome };
  }
  if (outcome.retryable && !lastAttempt) {
    return { verdict: { action: 'retry', delaySeconds: retryDelaySeconds(attempts) }, outcome };
  }
  // The primary run is recorded as failed by runDiscovery; the others it was to do the work of too.
  await close(deps, ids.slice(1), 'failed', `run ${outcome.runId} failed: ${outcome.error}`);
  return { verdict: { action: 'ack' }, outcome };
}

async function close(deps: DiscoveryDeps, ids: readonly string[], status: 'skipped' | 'failed', error: string) {
  for (const id of ids) {
    await finishRun(deps.warehouse, { id, status, now: deps.clock(), error }).catch((e: unknown) =>
      deps.log.error('discovery: could not record a run that will not happen', { runId: id, error: errorMessage(e) }),
    );
  }
}
