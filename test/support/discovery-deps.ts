// What the Node discovery tests give runDiscovery: a fixed clock, quiet logs, and a fetch that records the
// Slack messages instead of sending them.
import { DEFAULT_DISCOVERY_CONFIG, type DiscoveryConfig } from '../../lib/discovery/catalog.ts';
import type { DiscoveryDeps, RunOutcome } from '../../lib/discovery/run.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';

export interface Sent {
  readonly url: string;
  readonly body: { text: string; blocks: { type: string }[] };
}

export function discoveryDeps(
  warehouse: Warehouse,
  now: Date,
  options: {
    sent?: Sent[];
    config?: Partial<DiscoveryConfig>;
    describe?: DiscoveryDeps['describe'];
    ai?: DiscoveryDeps['ai'];
  } = {},
): DiscoveryDeps {
  const sent = options.sent ?? [];
  return {
    warehouse,
    config: { ...DEFAULT_DISCOVERY_CONFIG, ...options.config },
    clock: () => now,
    newId: () => crypto.randomUUID(),
    log: silentLogger,
    publicUrl: 'http://127.0.0.1:8787',
    slackWebhookUrl: 'https://hooks.slack.test/services/T/B/X',
    fetcher: async (url, init) => {
      sent.push({ url: String(url), body: JSON.parse(String(init?.body)) });
      return new Response('ok', { status: 200 });
    },
    describe: options.describe,
    ai: options.ai,
  };
}

export function succeeded(outcome: RunOutcome) {
  if (outcome.status !== 'succeeded') throw new Error(`run did not succeed: ${JSON.stringify(outcome)}`);
  return outcome.report;
}
