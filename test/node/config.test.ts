import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { ARGILLA_RECONCILE_CRON } from '../../lib/argilla/config.ts';
import { REPORTS_REFRESH_CRON } from '../../lib/reports/daily.ts';
import { BUCKETS } from '../../tools/local/config.ts';
import { ensureDevVars, parseDevVars, redactUrl, warehouseUrlProblem } from '../../tools/local/dev-vars.ts';
import { DISCOVERY_BINDINGS } from '../../workers/discovery/bindings.ts';

describe('Worker configuration', () => {
  it('gives the discovery Worker every binding its code uses', () => {
    const config = unstable_readConfig({ config: 'wrangler.schema-discovery.toml' });
    const secrets = Object.keys(parseDevVars(readFileSync('.dev.vars.example', 'utf8')));
    const kv = config.kv_namespaces.map((n: { binding: string }) => n.binding);
    const provided = new Set([...Object.keys(config.vars), ...secrets, ...kv]);
    expect(DISCOVERY_BINDINGS.filter((name) => !provided.has(name))).toEqual([]);
  });

  it('lists every secret the Workers read in .dev.vars.example', () => {
    const secrets = Object.keys(parseDevVars(readFileSync('.dev.vars.example', 'utf8')));
    expect(secrets).toEqual([
      'WAREHOUSE_URL',
      'API_TOKEN',
      'SLACK_WEBHOOK_URL',
      'LOCAL_DEV',
      'LOAD_STRATEGY',
      'ARGILLA_API_KEY',
      'ARGILLA_WEBHOOK_SECRET',
    ]);
  });

  it('schedules the daily Argilla reconcile and the daily report refresh on crons of their own, beside the */15 heartbeat and sync', () => {
    const main = unstable_readConfig({ config: 'wrangler.toml' });
    expect(main.triggers.crons).toEqual(['*/15 * * * *', ARGILLA_RECONCILE_CRON, REPORTS_REFRESH_CRON]);
    expect(new Set(main.triggers.crons).size).toBe(3);
  });

  it('gives the local stack a directory for every R2 bucket the main Worker binds', () => {
    const main = unstable_readConfig({ config: 'wrangler.toml' });
    expect(main.r2_buckets.map((b: { bucket_name?: string }) => b.bucket_name)).toEqual([...BUCKETS]);
  });

  it('keeps both Workers on the same queues: ingest feeds discovery; the main Worker also takes argilla-sync', () => {
    const main = unstable_readConfig({ config: 'wrangler.toml' });
    const disc = unstable_readConfig({ config: 'wrangler.schema-discovery.toml' });
    expect(main.queues.consumers?.map((c: { queue: string }) => c.queue)).toEqual(['ingest', 'argilla-sync']);
    expect(main.queues.producers?.map((p: { queue: string }) => p.queue)).toContain('argilla-sync');
    expect(main.queues.consumers?.[1]?.dead_letter_queue).toBe('argilla-sync-dlq');
    expect(main.queues.producers?.map((p: { queue: string }) => p.queue)).toContain('discovery');
    expect(disc.queues.consumers?.map((c: { queue: string }) => c.queue)).toEqual(['discovery']);
    expect(main.queues.consumers?.[0]?.dead_letter_queue).toBe('ingest-dlq');
  });
});

describe('.dev.vars', () => {
  const ports = { warehouse: 5433, slack: 8790, worker: 9000 };
  const mine = [
    '# my notes',
    'WAREHOUSE_URL=postgres://postgres:tok@127.0.0.1:5433/living_schema',
    'API_TOKEN="a # b"',
    'SLACK_WEBHOOK_URL=http://127.0.0.1:8790/slack/webhook',
    'LOCAL_DEV=true',
    'LOAD_STRATEGY=remote',
  ];

  it('moves a loopback PUBLIC_URL to the Worker port, changing only that line', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dev-vars-')), '.dev.vars');
    writeFileSync(path, [...mine, 'PUBLIC_URL=http://127.0.0.1:8787', ''].join('\n'), { mode: 0o600 });
    // Only a start that runs the Worker moves it: a warehouse alone, or a start that failed, does not.
    expect(ensureDevVars(path, ports).added).toEqual([]);
    expect(parseDevVars(readFileSync(path, 'utf8')).PUBLIC_URL).toBe('http://127.0.0.1:8787');
    const { vars, added } = ensureDevVars(path, ports, { followPorts: true });
    expect(added).toEqual(['PUBLIC_URL']);
    expect(vars.PUBLIC_URL).toBe('http://127.0.0.1:9000');
    expect(readFileSync(path, 'utf8')).toBe([...mine, 'PUBLIC_URL=http://127.0.0.1:9000', ''].join('\n'));
    expect(parseDevVars(readFileSync(path, 'utf8')).API_TOKEN).toBe('a # b');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensureDevVars(path, ports, { followPorts: true }).added).toEqual([]);
  });

  it('moves the loopback Slack webhook to the sink port, and leaves a real webhook alone', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dev-vars-')), '.dev.vars');
    writeFileSync(path, [...mine, 'PUBLIC_URL=http://127.0.0.1:9000', ''].join('\n'));
    const moved = { ...ports, slack: 18791 };
    expect(ensureDevVars(path, moved).added).toEqual([]);
    expect(ensureDevVars(path, moved, { followPorts: true }).added).toEqual(['SLACK_WEBHOOK_URL']);
    expect(parseDevVars(readFileSync(path, 'utf8')).SLACK_WEBHOOK_URL).toBe('http://127.0.0.1:18791/slack/webhook');
    const hooks = 'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T000/B000/XXXX';
    writeFileSync(path, [...mine.filter((l) => !l.startsWith('SLACK_')), hooks, ''].join('\n'));
    expect(ensureDevVars(path, moved, { followPorts: true }).added).toEqual(['PUBLIC_URL']);
    expect(parseDevVars(readFileSync(path, 'utf8')).SLACK_WEBHOOK_URL).toBe(hooks.split('=')[1]);
  });

  it('leaves a PUBLIC_URL that is not a local one alone, and adds a missing one at the end', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dev-vars-')), '.dev.vars');
    writeFileSync(path, [...mine, 'PUBLIC_URL=https://schema.example.com', ''].join('\n'));
    expect(ensureDevVars(path, ports, { followPorts: true }).added).toEqual([]);
    writeFileSync(path, [...mine, ''].join('\n'));
    expect(ensureDevVars(path, ports).added).toEqual(['PUBLIC_URL']);
    expect(readFileSync(path, 'utf8')).toBe([...mine, 'PUBLIC_URL=http://127.0.0.1:9000', ''].join('\n'));
  });
});

describe('warehouse URLs in output', () => {
  it('never prints a token, even from a URL that is malformed', () => {
    expect(redactUrl('postgres://postgres:s3cret-token@127.0.0.1:5433/living_schema')).toBe(
      'postgres://postgres:***@127.0.0.1:5433/living_schema',
    );
    for (const bad of ['postgres:s3cret-token@host/db', 'not a url s3cret-token']) {
      expect(redactUrl(bad)).not.toContain('s3cret-token');
      expect(warehouseUrlProblem(bad)).toMatch(/^WAREHOUSE_URL /);
    }
    expect(warehouseUrlProblem('mysql://u:p@h/d')).toBe('WAREHOUSE_URL must be a postgres:// URL');
    expect(warehouseUrlProblem('postgresql://u:p@h:5432/d')).toBeNull();
  });
});
