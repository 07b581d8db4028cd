// One `vitest run`, two projects: Node tests (lib/, the embedded warehouse, the CLI) and workerd tests
// (both Workers through the Cloudflare test helpers). A global setup starts one embedded warehouse that
// both talk to over real TCP; each test file works in its own database on it.
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { buildSync } from 'esbuild';
import { defineConfig } from 'vitest/config';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { TEST_API_TOKEN } from './test/support/constants.ts';
import { buildConsoleAssets } from './tools/build/console-assets.ts';

// wrangler.toml's [assets] directory must exist before the plugin reads the config.
buildConsoleAssets();

// The plugin runs one wrangler config (the main Worker); the discovery Worker joins as an auxiliary
// worker, bundled here because Miniflare cannot load TypeScript itself.
const discovery = unstable_readConfig({ config: 'wrangler.schema-discovery.toml' });
const discoveryBundle = 'node_modules/.cache/living-schema/discovery.mjs';
buildSync({
  entryPoints: [discovery.main as string],
  outfile: discoveryBundle,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2023',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  logLevel: 'warning',
});
// NOTE: Miniflare 5 refuses v4-style modulesRules together with scriptPath.
const {
  workerOptions: { modulesRules: _dropped, ...discoveryOptions },
} = unstable_getMiniflareWorkerOptions(discovery);

export default defineConfig({
  test: {
    globalSetup: ['./test/support/global-setup.ts'],
    // NOTE: postgres.js's Workers build leaves one rejected read behind on sql.end()
    // (porsager/postgres#1196, #1202); only that exact message is ignored.
    onUnhandledError(error) {
      if (/This socket has been closed|Stream was cancelled/.test(error.message ?? '')) return false;
    },
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            remoteBindings: false,
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                WAREHOUSE_URL: `${inject('warehouseBaseUrl')}workers_default`,
                API_TOKEN: TEST_API_TOKEN,
                SLACK_WEBHOOK_URL: `${inject('fixturesUrl')}slack/default/webhook`,
                LOCAL_DEV: 'true',
              },
              workers: [
                {
                  ...discoveryOptions,
                  name: discovery.name,
                  modules: true,
                  scriptPath: discoveryBundle,
                  bindings: {
                    ...(discoveryOptions.bindings as Record<string, unknown> | undefined),
                    WAREHOUSE_URL: `${inject('warehouseBaseUrl')}workers_default`,
                    SLACK_WEBHOOK_URL: `${inject('fixturesUrl')}slack/default/webhook`,
                    LOCAL_DEV: 'true',
                  },
                },
              ],
            },
          })),
        ],
        test: {
          name: 'workers',
          include: ['test/workers/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
