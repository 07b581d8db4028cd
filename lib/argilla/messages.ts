// The `argilla-sync` queue's message: a sync of some (or all) of Argilla, asked for by a webhook, the API,
// the cron or a reconcile, and taken by the main Worker's queue consumer (lib/argilla/queue.ts).
import { z } from 'zod';

export const SyncTrigger = z.enum(['cron', 'api', 'webhook', 'reconcile']);
export type SyncTrigger = z.infer<typeof SyncTrigger>;

export const ArgillaSyncMessage = z.object({
  kind: z.literal('argilla-sync'),
  trigger: SyncTrigger,
  /** Argilla dataset ids; absent means every configured dataset. */
  datasets: z.array(z.string().min(1)).min(1).optional(),
  /** Argilla record ids within those datasets; absent means every record that moved. */
  recordIds: z.array(z.string().min(1)).min(1).optional(),
  full: z.boolean().optional(),
});
export type ArgillaSyncMessage = z.infer<typeof ArgillaSyncMessage>;

/** What `syncArgilla(deps, request)` takes (lib/argilla/sync.ts); the message without its kind. */
export interface ArgillaSyncRequest {
  readonly trigger: SyncTrigger;
  readonly datasets?: readonly string[];
  readonly recordIds?: readonly string[];
  readonly full?: boolean;
}

/** The request a message asks for, with absent keys left out (not set to undefined). */
export function syncRequestOf(message: ArgillaSyncMessage): ArgillaSyncRequest {
  return {
    trigger: message.trigger,
    ...(message.datasets ? { datasets: message.datasets } : {}),
    ...(message.recordIds ? { recordIds: message.recordIds } : {}),
    ...(message.full === undefined ? {} : { full: message.full }),
  };
}
