import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { parseDevVars } from '../../lib/local/dev-vars.ts';
import { DISCOVERY_BINDINGS } from '../../workers/discovery/bindings.ts';

describe('Worker configuration', () => {
  it('gives the discovery Worker every binding its code uses', () => {
    const config = unstable_readConfig({ config: 'wrangler.schema-discovery.toml' });
    const secrets = Object.keys(parseDevVars(readFileSync('.dev.vars.example', 'utf8')));
    const provided = new Set([...Object.keys(config.vars), ...secrets]);
    expect(DISCOVERY_BINDINGS.filter((name) => !provided.has(name))).toEqual([]);
  });

  it('lists every secret the Workers read in .dev.vars.example', () => {
    const secrets = Object.keys(parseDevVars(readFileSync('.dev.vars.example', 'utf8')));
    expect(secrets).toEqual(['WAREHOUSE_URL', 'API_TOKEN', 'SLACK_WEBHOOK_URL', 'LOCAL_DEV', 'LOAD_STRATEGY']);
  });

  it('keeps both Workers on the same queues: ingest feeds discovery', () => {
    const main = unstable_readConfig({ config: 'wrangler.toml' });
    const disc = unstable_readConfig({ config: 'wrangler.schema-discovery.toml' });
    expect(main.queues.consumers?.map((c: { queue: string }) => c.queue)).toEqual(['ingest']);
    expect(main.queues.producers?.map((p: { queue: string }) => p.queue)).toContain('discovery');
    expect(disc.queues.consumers?.map((c: { queue: string }) => c.queue)).toEqual(['discovery']);
    expect(main.queues.consumers?.[0]?.dead_letter_queue).toBe('ingest-dlq');
  });
});
