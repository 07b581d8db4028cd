// Production deploys (`npm run deploy`, tools/cli/deploy.ts): refused before wrangler runs unless PUBLIC_URL
// is a public https URL, and [env.production] of both configs repeats what wrangler does not inherit.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { isLoopbackUrl, publicUrlProblem } from '../../lib/http/public-url.ts';
import { runCli } from '../support/run-cli.ts';

const REPO = resolve(import.meta.dirname, '../..');
const CONFIGS = ['wrangler.toml', 'wrangler.schema-discovery.toml'];

function deploy(args: readonly string[], publicUrl?: string) {
  const { PUBLIC_URL: _ignored, ...env } = process.env;
  return runCli('deploy.ts', args, {
    cwd: REPO,
    env: { ...env, WRANGLER_SEND_METRICS: 'false', ...(publicUrl === undefined ? {} : { PUBLIC_URL: publicUrl }) },
  });
}

const refusal = (problem: string) =>
  `error: refusing to deploy env production: ${problem}. Slack buttons and review links are built on it. Give the main Worker's public https URL: PUBLIC_URL=https://<host> npm run deploy (or --public-url, or PUBLIC_URL in [env.production.vars] of both configs).\n`;

describe('npm run deploy', () => {
  it('refuses to deploy production without a PUBLIC_URL, before wrangler runs', async () => {
    // The configs' production PUBLIC_URL is empty on purpose: the URL must be given.
    for (const run of [await deploy([]), await deploy(['--dry-run']), await deploy([], '')]) {
      expect(run).toEqual({ code: 1, out: refusal('PUBLIC_URL is not set') });
    }
  });

  it('refuses a loopback or plain-http PUBLIC_URL, from the environment or the command line', async () => {
    expect(await deploy(['--dry-run'], 'http://127.0.0.1:8787')).toEqual({
      code: 1,
      out: refusal('PUBLIC_URL http://127.0.0.1:8787 is a loopback address, which only this machine can open'),
    });
    expect(await deploy(['--dry-run', '--public-url', 'https://localhost:8787'])).toEqual({
      code: 1,
      out: refusal('PUBLIC_URL https://localhost:8787 is a loopback address, which only this machine can open'),
    });
    expect(await deploy(['--dry-run'], 'http://schema.example.com')).toEqual({
      code: 1,
      out: refusal('PUBLIC_URL http://schema.example.com is not an https:// URL'),
    });
  });

  it('refuses a real deploy until both configs bind one SCHEMA_CACHE namespace id, before wrangler runs', async () => {
    expect(await deploy([], 'https://living-schema.example.com')).toEqual({
      code: 1,
      out: 'error: refusing to deploy env production: both Workers must bind one SCHEMA_CACHE KV namespace (wrangler.schema-discovery.toml: "", wrangler.toml: ""). Create it once with `npx wrangler kv namespace create SCHEMA_CACHE` and write its id under [[env.production.kv_namespaces]] in both configs.\n',
    });
  });

  it('dry-runs both Workers’ production environment with a public https URL, discovery first', async () => {
    const run = await deploy(['--dry-run'], 'https://living-schema.example.com');
    expect(run.code).toBe(0);
    const steps = run.out.split('\n').filter((line) => line.startsWith('dry run: deploying'));
    expect(steps).toEqual([
      'dry run: deploying living-schema-discovery (wrangler.schema-discovery.toml, env production), PUBLIC_URL https://living-schema.example.com',
      'dry run: deploying living-schema (wrangler.toml, env production), PUBLIC_URL https://living-schema.example.com',
    ]);
    expect(run.out.match(/env\.PUBLIC_URL /g)).toHaveLength(2);
    expect(run.out.match(/--dry-run: exiting now\./g)).toHaveLength(2);
  }, 120_000);
});

describe('[env.production] of both configs', () => {
  it('repeats every binding, queue and var of the top level, with the same Worker names and crons', () => {
    for (const config of CONFIGS) {
      const top = unstable_readConfig({ config });
      const production = unstable_readConfig({ config, env: 'production' });
      const { PUBLIC_URL: localUrl, ...vars } = top.vars;
      expect(isLoopbackUrl(String(localUrl))).toBe(true);
      // Production differs in two vars only: its own URL, and reads that need the token (the local stack is open).
      const expected = 'READ_AUTH' in vars ? { ...vars, READ_AUTH: 'token' } : vars;
      expect(production.vars).toEqual({ PUBLIC_URL: '', ...expected });
      for (const key of [
        'name',
        'main',
        'triggers',
        'r2_buckets',
        'kv_namespaces',
        'queues',
        'services',
        'ai',
        'compatibility_flags',
      ] as const) {
        expect(production[key]).toEqual(top[key]);
      }
    }
  });
});

describe('the vessel-reports bucket', () => {
  it('is bound as REPORTS_BUCKET at the top level and in production', () => {
    for (const env of [undefined, 'production']) {
      const config = unstable_readConfig({ config: 'wrangler.toml', ...(env ? { env } : {}) });
      expect(config.r2_buckets).toContainEqual(
        expect.objectContaining({ binding: 'REPORTS_BUCKET', bucket_name: 'vessel-reports' }),
      );
    }
  });
});

describe('PUBLIC_URL checks', () => {
  it('knows the addresses only this machine can open', () => {
    const loopback = [
      'http://127.0.0.1:8787',
      'http://127.1.2.3/',
      'https://localhost',
      'http://a.localhost:1',
      'http://[::1]:8787',
      'http://0.0.0.0:8787',
    ];
    const other = ['https://schema.example.com', 'http://10.0.0.1', 'https://127.example.com', 'not a url'];
    expect(loopback.filter(isLoopbackUrl)).toEqual(loopback);
    expect(other.filter(isLoopbackUrl)).toEqual([]);
  });

  it('accepts only a public https URL for production, and says why not', () => {
    expect(publicUrlProblem('https://schema.example.com/')).toBeNull();
    expect(publicUrlProblem(undefined)).toBe('PUBLIC_URL is not set');
    expect(publicUrlProblem('  ')).toBe('PUBLIC_URL is not set');
    expect(publicUrlProblem('schema.example.com')).toBe('PUBLIC_URL "schema.example.com" is not a URL');
    expect(publicUrlProblem('ftp://schema.example.com')).toBe(
      'PUBLIC_URL ftp://schema.example.com is not an https:// URL',
    );
  });
});
