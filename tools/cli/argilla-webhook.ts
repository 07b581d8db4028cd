// `npm run argilla -- webhook <register|list|delete>`: manages Argilla's webhook to the main Worker with an
// owner key. `register` stores the secret Argilla returns where the Worker reads it: .dev.vars locally,
// the production Worker's secret (wrangler secret put, on stdin) with --production. The secret is never
// printed nor passed in argv.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { HANDLED_EVENTS } from '../../lib/argilla/webhook-event.ts';
import { publicUrlProblem } from '../../lib/http/public-url.ts';
import {
  type ArgillaAdmin,
  ArgillaAdminError,
  deleteWebhook,
  listWebhooks,
  registerWebhook,
  WEBHOOK_PATH,
} from '../argilla/webhooks.ts';
import { parseDevVars, setDevVar } from '../local/dev-vars.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

const SECRET_NAME = 'ARGILLA_WEBHOOK_SECRET';

export const WEBHOOK_USAGE = `usage: npm run argilla -- webhook <command>
  webhook register <public-url> [--production]
      registers <public-url>${WEBHOOK_PATH} for ${HANDLED_EVENTS.join(', ')};
      writes the secret Argilla returns to .dev.vars as ${SECRET_NAME}, or with --production stores it as
      the production Worker's secret (wrangler secret put ${SECRET_NAME} --env production, on stdin)
  webhook list             the registered webhooks (without their secrets)
  webhook delete <id>      removes a webhook
ARGILLA_URL and ARGILLA_API_KEY (an Argilla owner's key: webhooks are owner-only) come from the
environment, else from .dev.vars.`;

/** `webhook <command> ...`: `argv` after `webhook`. */
export async function webhookCli(argv: readonly string[]): Promise<void> {
  const args = cliArgs(argv, { usage: WEBHOOK_USAGE, flags: ['production'] });
  const [command, ...rest] = args.positionals;
  if (!command) fail(WEBHOOK_USAGE);

  const config = cliConfig();
  const devVars = existsSync(config.devVarsPath) ? parseDevVars(readFileSync(config.devVarsPath, 'utf8')) : {};
  const setting = (name: string) =>
    process.env[name] || devVars[name] || fail(`${name} is not set (environment or .dev.vars)`);

  function admin(): ArgillaAdmin {
    const url = setting('ARGILLA_URL');
    if (!URL.canParse(url)) fail(`ARGILLA_URL ${JSON.stringify(url)} is not a URL`);
    return { url, apiKey: setting('ARGILLA_API_KEY') };
  }

  async function attempt<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ArgillaAdminError) fail(error.message);
      throw error;
    }
  }

  function expectArgs(count: number, names: string) {
    if (rest.length !== count) fail(`webhook ${command} takes ${names || 'no arguments'}\n${WEBHOOK_USAGE}`);
  }

  /** `wrangler secret put` for the production main Worker, the secret on stdin; exit status, or null if it did not start. */
  function putProductionSecret(secret: string): number | null {
    // LIVING_SCHEMA_WRANGLER: another wrangler entry script (the CLI test's stand-in).
    const wrangler =
      process.env.LIVING_SCHEMA_WRANGLER ??
      join(
        dirname(createRequire(import.meta.url).resolve('wrangler/package.json', { paths: [config.root] })),
        'bin',
        'wrangler.js',
      );
    const run = spawnSync(
      process.execPath,
      [wrangler, 'secret', 'put', SECRET_NAME, '-c', 'wrangler.toml', '--env', 'production'],
      { cwd: config.root, input: `${secret}\n`, stdio: ['pipe', 'inherit', 'inherit'] },
    );
    return run.error ? null : run.status;
  }

  switch (command) {
    case 'register': {
      expectArgs(1, '<public-url>');
      const publicUrl = rest[0] as string;
      const production = args.flags.has('production');
      if (!URL.canParse(publicUrl)) fail(`<public-url> ${JSON.stringify(publicUrl)} is not a URL`);
      if (production) {
        const problem = publicUrlProblem(publicUrl);
        if (problem)
          fail(`refusing to register a production webhook: ${problem.replace('PUBLIC_URL', '<public-url>')}`);
      }
      const hook = await attempt(() => registerWebhook(admin(), publicUrl));
      console.log(`registered Argilla webhook ${hook.id} -> ${hook.url} (${hook.events.join(', ')})`);
      if (!production) {
        setDevVar(config.devVarsPath, SECRET_NAME, hook.secret);
        console.log(`secret: written to .dev.vars as ${SECRET_NAME}; restart \`npm start\` so wrangler dev reads it`);
        break;
      }
      const status = putProductionSecret(hook.secret);
      if (status === 0) {
        console.log(`secret: stored as the production Worker's ${SECRET_NAME} (wrangler secret put, on stdin)`);
        break;
      }
      fail(
        [
          `the webhook ${hook.id} is registered, but wrangler secret put failed (${status === null ? 'did not start' : `exit ${status}`}), so the Worker cannot verify it yet.`,
          'Store the secret by hand, on stdin (Argilla returns it to owners in GET /api/v1/webhooks):',
          `  curl -s -H "X-Argilla-Api-Key: $ARGILLA_API_KEY" "$ARGILLA_URL/api/v1/webhooks" | jq -r '.items[] | select(.id == "${hook.id}") | .secret' | npx wrangler secret put ${SECRET_NAME} -c wrangler.toml --env production`,
          `or delete it (npm run argilla -- webhook delete ${hook.id}) and register again.`,
        ].join('\n'),
      );
      break;
    }
    case 'list': {
      expectArgs(0, '');
      const hooks = await attempt(() => listWebhooks(admin()));
      if (hooks.length === 0) console.log('no webhooks registered');
      for (const h of hooks) {
        const ours = h.url.endsWith(WEBHOOK_PATH) ? ' (living-schema)' : '';
        console.log(`${h.id}  ${h.enabled ? 'enabled ' : 'disabled'}  ${h.url}${ours}  ${h.events.join(', ')}`);
      }
      break;
    }
    case 'delete': {
      expectArgs(1, '<id>');
      const hook = await attempt(() => deleteWebhook(admin(), rest[0] as string));
      console.log(`deleted Argilla webhook ${hook.id} (${hook.url})`);
      break;
    }
    default:
      fail(`unknown command 'webhook ${command}'\n${WEBHOOK_USAGE}`);
  }
}
