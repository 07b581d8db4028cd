// `npm run argilla -- webhook ...` against a loopback stand-in of Argilla's webhook API (the shapes of
// argilla-2x-api.md 6.1 and 7): register writes the secret to .dev.vars or hands it to wrangler on stdin,
// and never prints it; list and delete; Argilla's errors are said plainly.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

const OWNER_KEY = 'owner.apikey.0000000000000000';
const SECRET = 'c2VjcmV0LW9mLTY0LWJ5dGVzLWZvci10aGUtdGVzdC1vbmx5LWRvLW5vdC11c2UtYW55d2hlcmUtZWxzZS0hIQ==';

interface Hook {
  id: string;
  url: string;
  secret: string;
  events: string[];
  enabled: boolean;
  description: string | null;
  inserted_at: string;
  updated_at: string;
}

let dir: string;
let server: Server;
let argillaUrl: string;
let hooks: Hook[] = [];
const requests: { method: string; path: string; body: unknown }[] = [];

async function readBody(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text === '' ? null : JSON.parse(text);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'argilla-cli-'));
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = req.url ?? '';
    requests.push({ method: req.method ?? '', path, body });
    const answer = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    if (req.headers['x-argilla-api-key'] !== OWNER_KEY) {
      return answer(401, {
        detail: { code: 'argilla.api.errors::UnauthorizedError', params: { detail: 'Could not validate credentials' } },
      });
    }
    if (req.method === 'POST' && path === '/api/v1/webhooks') {
      const { url, events, description } = body as { url: string; events: string[]; description: string };
      const hook = {
        id: `0b6f3c3e-0000-4000-8000-${String(hooks.length + 1).padStart(12, '0')}`,
        url,
        secret: SECRET,
        events,
        enabled: true,
        description,
        inserted_at: '2026-11-21T12:00:00.000000',
        updated_at: '2026-11-21T12:00:00.000000',
      };
      hooks.push(hook);
      return answer(201, hook);
    }
    if (req.method === 'GET' && path === '/api/v1/webhooks') return answer(200, { items: hooks });
    const match = /^\/api\/v1\/webhooks\/([^/]+)$/.exec(path);
    if (req.method === 'DELETE' && match) {
      const hook = hooks.find((h) => h.id === match[1]);
      if (!hook) return answer(404, { detail: `Webhook with id \`${match[1]}\` not found` });
      hooks = hooks.filter((h) => h !== hook);
      return answer(200, hook);
    }
    answer(404, { detail: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  argillaUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A wrangler stand-in: records its argv and stdin (wrangler secret put reads the value from stdin).
  writeFileSync(
    join(dir, 'fake-wrangler.mjs'),
    `import { readFileSync, writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(join(dir, 'wrangler-call.json'))}, JSON.stringify({ argv: process.argv.slice(2), stdin: readFileSync(0, 'utf8') }));
console.log('fake wrangler: secret stored');
process.exit(Number(process.env.FAKE_WRANGLER_EXIT ?? 0));
`,
  );
  chmodSync(join(dir, 'fake-wrangler.mjs'), 0o755);
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  hooks = [];
  requests.length = 0;
  writeFileSync(join(dir, '.dev.vars'), `# mine\nAPI_TOKEN=keep-me\nARGILLA_URL=${argillaUrl}\n`);
});

function argilla(args: readonly string[], env: Record<string, string> = {}) {
  return runCli('argilla.ts', args, {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      ARGILLA_API_KEY: OWNER_KEY,
      LIVING_SCHEMA_WRANGLER: join(dir, 'fake-wrangler.mjs'),
      ...env,
    },
  });
}

describe('npm run argilla -- webhook', () => {
  it('register: creates the webhook for the four events and writes the secret to .dev.vars, printing it nowhere', async () => {
    const run = await argilla(['webhook', 'register', 'http://10.0.0.5:8787/']);
    expect(run).toEqual({
      code: 0,
      out:
        'registered Argilla webhook 0b6f3c3e-0000-4000-8000-000000000001 -> http://10.0.0.5:8787/api/argilla/webhook (response.created, response.updated, response.deleted, record.completed)\n' +
        'secret: written to .dev.vars as ARGILLA_WEBHOOK_SECRET; restart `npm start` so wrangler dev reads it\n',
    });
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/api/v1/webhooks',
        body: {
          url: 'http://10.0.0.5:8787/api/argilla/webhook',
          events: ['response.created', 'response.updated', 'response.deleted', 'record.completed'],
          description: 'living-schema: targeted sync of SME responses',
        },
      },
    ]);
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).toBe(
      `# mine\nAPI_TOKEN=keep-me\nARGILLA_URL=${argillaUrl}\nARGILLA_WEBHOOK_SECRET=${SECRET}\n`,
    );
  });

  it('register --production: hands the secret to wrangler secret put on stdin, never in argv', async () => {
    const run = await argilla(['webhook', 'register', 'https://living-schema.example.com', '--production']);
    expect(run.code).toBe(0);
    expect(run.out).not.toContain(SECRET);
    expect(run.out).toContain("secret: stored as the production Worker's ARGILLA_WEBHOOK_SECRET");
    const call = JSON.parse(readFileSync(join(dir, 'wrangler-call.json'), 'utf8')) as { argv: string[]; stdin: string };
    expect(call).toEqual({
      argv: ['secret', 'put', 'ARGILLA_WEBHOOK_SECRET', '-c', 'wrangler.toml', '--env', 'production'],
      stdin: `${SECRET}\n`,
    });
    expect(readFileSync(join(dir, '.dev.vars'), 'utf8')).not.toContain(SECRET);
  });

  it('register --production: says how to store the secret by hand when wrangler fails, still without printing it', async () => {
    const run = await argilla(['webhook', 'register', 'https://living-schema.example.com', '--production'], {
      FAKE_WRANGLER_EXIT: '1',
    });
    expect(run.code).toBe(1);
    expect(run.out).not.toContain(SECRET);
    expect(run.out).toContain('wrangler secret put failed (exit 1)');
    expect(run.out).toContain('npx wrangler secret put ARGILLA_WEBHOOK_SECRET -c wrangler.toml --env production');
  });

  it('register --production refuses a loopback or plain-http URL before calling Argilla', async () => {
    const run = await argilla(['webhook', 'register', 'http://127.0.0.1:8787', '--production']);
    expect(run).toEqual({
      code: 1,
      out: 'error: refusing to register a production webhook: <public-url> http://127.0.0.1:8787 is a loopback address, which only this machine can open\n',
    });
    expect(requests).toEqual([]);
  });

  it('list shows the webhooks without their secrets; delete removes one and names it', async () => {
    await argilla(['webhook', 'register', 'http://10.0.0.5:8787']);
    const list = await argilla(['webhook', 'list']);
    expect(list).toEqual({
      code: 0,
      out: '0b6f3c3e-0000-4000-8000-000000000001  enabled   http://10.0.0.5:8787/api/argilla/webhook (living-schema)  response.created, response.updated, response.deleted, record.completed\n',
    });
    expect(await argilla(['webhook', 'delete', '0b6f3c3e-0000-4000-8000-000000000001'])).toEqual({
      code: 0,
      out: 'deleted Argilla webhook 0b6f3c3e-0000-4000-8000-000000000001 (http://10.0.0.5:8787/api/argilla/webhook)\n',
    });
    expect(await argilla(['webhook', 'list'])).toEqual({ code: 0, out: 'no webhooks registered\n' });
  });

  it('says what Argilla answered: an unknown id, a key that is not an owner’s', async () => {
    expect(await argilla(['webhook', 'delete', 'nope'])).toEqual({
      code: 1,
      out: 'error: Argilla answered 404 to DELETE /webhooks/nope: Webhook with id `nope` not found\n',
    });
    expect(await argilla(['webhook', 'list'], { ARGILLA_API_KEY: 'annotator.key' })).toEqual({
      code: 1,
      out: 'error: Argilla answered 401 to GET /webhooks: UnauthorizedError: Could not validate credentials (webhooks need the API key of an Argilla owner: ARGILLA_API_KEY)\n',
    });
  });

  it('needs ARGILLA_URL and ARGILLA_API_KEY, and prints its usage for --help', async () => {
    writeFileSync(join(dir, '.dev.vars'), 'API_TOKEN=keep-me\n');
    expect(await argilla(['webhook', 'list'])).toEqual({
      code: 1,
      out: 'error: ARGILLA_URL is not set (environment or .dev.vars)\n',
    });
    const help = await argilla(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: npm run argilla -- webhook <command>/);
  });
});
