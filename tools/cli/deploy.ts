// `npm run deploy`: deploys the production environment ([env.production]) of both Workers, the discovery
// Worker first (the main Worker's service binding names it).
//   --public-url URL  the main Worker's public https URL (default: PUBLIC_URL in the environment, else
//                     PUBLIC_URL in both configs' [env.production.vars])
//   --dry-run         bundle and check both Workers, upload nothing (bundles in .data/dry-run/)
// A missing, non-https or loopback PUBLIC_URL is refused before wrangler runs: every Slack button and
// review link is built on it. So is a real deploy whose two configs do not bind one SCHEMA_CACHE namespace.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { publicUrlProblem } from '../../lib/http/public-url.ts';
import { buildConsoleAssets } from '../build/console-assets.ts';
import { cliArgs, fail } from './args.ts';

const USAGE = `usage: npm run deploy -- [--public-url URL] [--dry-run]
  deploys [env.production] of wrangler.schema-discovery.toml, then of wrangler.toml
  --public-url URL  the main Worker's public https URL (default: PUBLIC_URL in the environment,
                    else PUBLIC_URL in both configs' [env.production.vars])
  --dry-run         bundle and check both Workers, upload nothing (bundles in .data/dry-run/)`;

const ENV = 'production';
const ROOT = resolve(import.meta.dirname, '../..');
/** Discovery first: the main Worker's DISCOVERY service binding needs it deployed. */
const WORKERS = [
  { config: 'wrangler.schema-discovery.toml', outdir: '.data/dry-run/discovery' },
  { config: 'wrangler.toml', outdir: '.data/dry-run/main' },
] as const;

const args = cliArgs(process.argv.slice(2), { usage: USAGE, flags: ['dry-run'], valued: ['public-url'] });
const dryRun = args.flags.has('dry-run');

const configured = WORKERS.map(({ config }) => {
  const read = unstable_readConfig({ config: join(ROOT, config), env: ENV });
  const cache = read.kv_namespaces.find((k: { binding: string; id?: string }) => k.binding === 'SCHEMA_CACHE');
  return { config, name: read.name, url: read.vars.PUBLIC_URL as string | undefined, cacheId: cache?.id ?? '' };
});
const given = args.values.get('public-url') ?? process.env.PUBLIC_URL;
const configUrls = new Set(configured.map((c) => c.url ?? ''));
if (given === undefined && configUrls.size > 1) {
  fail(
    `refusing to deploy env ${ENV}: the configs' [env.${ENV}.vars] PUBLIC_URL differ (${configured.map((c) => `${c.config}: ${JSON.stringify(c.url ?? '')}`).join(', ')}); both Workers link to the same main Worker`,
  );
}
const url = given ?? configured[0]?.url;
const problem = publicUrlProblem(url);
if (problem) {
  fail(
    `refusing to deploy env ${ENV}: ${problem}. Slack buttons and review links are built on it. Give the main Worker's public https URL: PUBLIC_URL=https://<host> npm run deploy (or --public-url, or PUBLIC_URL in [env.${ENV}.vars] of both configs).`,
  );
}

// The discovery Worker writes SCHEMA_CACHE and the main Worker reads it: without one id in both configs,
// wrangler would provision a namespace per Worker and the API would never see what discovery published.
const cacheIds = new Set(configured.map((c) => c.cacheId));
if (!dryRun && (cacheIds.has('') || cacheIds.size > 1)) {
  fail(
    `refusing to deploy env ${ENV}: both Workers must bind one SCHEMA_CACHE KV namespace (${configured.map((c) => `${c.config}: ${JSON.stringify(c.cacheId)}`).join(', ')}). Create it once with \`npx wrangler kv namespace create SCHEMA_CACHE\` and write its id under [[env.${ENV}.kv_namespaces]] in both configs.`,
  );
}

// wrangler.toml's [assets]: the console's stylesheet, script and Mermaid renderer.
buildConsoleAssets();
const wranglerPackage = createRequire(import.meta.url).resolve('wrangler/package.json', { paths: [ROOT] });
const wrangler = join(dirname(wranglerPackage), 'bin', 'wrangler.js');
for (const { config, outdir } of WORKERS) {
  const name = configured.find((c) => c.config === config)?.name;
  console.log(`${dryRun ? 'dry run: ' : ''}deploying ${name} (${config}, env ${ENV}), PUBLIC_URL ${url}`);
  const argv = [wrangler, 'deploy', '--env', ENV, '-c', config];
  // A URL from the command line or the environment overrides the config's (wrangler: --var wins).
  if (given !== undefined) argv.push('--var', `PUBLIC_URL:${given}`);
  if (dryRun) argv.push('--dry-run', '--outdir', outdir);
  const run = spawnSync(process.execPath, argv, { cwd: ROOT, stdio: 'inherit' });
  if (run.status !== 0) fail(`wrangler deploy failed for ${config} (exit ${run.status ?? run.signal})`);
}
