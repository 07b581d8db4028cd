// A loopback HTTP server for things tests need over the network: the Parquet corpus (workerd cannot read
// the host's files) and recorded requests for fakes shaped like real services.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { CORPUS_DIR } from './paths.ts';

export interface FixturesServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFixturesServer(
  fixturesDir: string,
  r2Directories: Record<string, string>,
): Promise<FixturesServer> {
  const server = createServer((req, res) => {
    handle(req, res, fixturesDir, r2Directories).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function sendFile(res: ServerResponse, root: string, rel: string): Promise<void> {
  const path = normalize(decodeURIComponent(rel));
  if (path.startsWith('..')) {
    res.writeHead(400).end('bad path');
    return;
  }
  try {
    const bytes = await readFile(join(root, path));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
  } catch {
    res.writeHead(404).end('not found');
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// ---- fake Slack incoming webhook -----------------------------------------------------------------
// Shaped like hooks.slack.com: 200 "ok" as text/html, errors as a short plain-text code, 429 with
// Retry-After. Each channel (a path segment, one per test) records what it accepted and can be told
// to answer the next requests with given failures.

interface SlackChannel {
  readonly accepted: unknown[];
  readonly attempts: number[];
  readonly script: { status: number; body: string; retryAfter?: string }[];
}

const slackChannels = new Map<string, SlackChannel>();

function slackChannel(name: string): SlackChannel {
  let channel = slackChannels.get(name);
  if (!channel) {
    channel = { accepted: [], attempts: [], script: [] };
    slackChannels.set(name, channel);
  }
  return channel;
}

/** Slack's own checks on a message: what it refuses with 400 invalid_payload / invalid_blocks. */
function slackRefusal(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null) return 'invalid_payload';
  const { text, blocks } = payload as { text?: unknown; blocks?: unknown };
  if (typeof text !== 'string' && !Array.isArray(blocks)) return 'no_text';
  if (!Array.isArray(blocks)) return null;
  if (blocks.length > 50) return 'invalid_blocks';
  for (const block of blocks as { type?: string; text?: { text?: string }; elements?: { text?: unknown }[] }[]) {
    const limit = block.type === 'header' ? 150 : 3000;
    if (block.text?.text !== undefined && (block.text.text.length > limit || block.text.text.length === 0))
      return 'invalid_blocks';
    for (const e of block.elements ?? []) {
      const t = typeof e.text === 'string' ? e.text : (e.text as { text?: string } | undefined)?.text;
      if (t !== undefined && t.length > 3000) return 'invalid_blocks';
    }
  }
  return null;
}

async function handleSlack(req: IncomingMessage, res: ServerResponse, name: string, action: string): Promise<void> {
  const channel = slackChannel(name);
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (req.method === 'POST' && action === 'webhook') {
    const raw = (await readBody(req)).toString('utf8');
    channel.attempts.push(Date.now());
    const next = channel.script.shift();
    if (next) {
      res
        .writeHead(next.status, {
          'content-type': 'text/plain',
          ...(next.retryAfter ? { 'retry-after': next.retryAfter } : {}),
        })
        .end(next.body);
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    const refusal = slackRefusal(payload);
    if (refusal) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(refusal);
      return;
    }
    channel.accepted.push(payload);
    res.writeHead(200, { 'content-type': 'text/html' }).end('ok');
    return;
  }
  if (req.method === 'GET' && action === 'messages')
    return json(200, { accepted: channel.accepted, attempts: channel.attempts.length });
  if (req.method === 'POST' && action === 'script') {
    channel.script.push(...(JSON.parse((await readBody(req)).toString('utf8')) as SlackChannel['script']));
    return json(200, { queued: channel.script.length });
  }
  res.writeHead(404).end('not found');
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  fixturesDir: string,
  r2Directories: Record<string, string>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fixtures');
  const slack = /^\/slack\/([A-Za-z0-9_-]+)\/(webhook|messages|script)$/.exec(url.pathname);
  if (slack) return handleSlack(req, res, slack[1] as string, slack[2] as string);
  // Tests put an object into R2 and here, so the warehouse (remote strategy) reads the same bytes,
  // as MotherDuck reads the real R2.
  const mirror = /^\/r2\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (req.method === 'PUT' && mirror) {
    const dir = r2Directories[mirror[1] as string];
    const rel = normalize(decodeURIComponent(mirror[2] as string));
    if (!dir || rel.startsWith('..')) {
      res.writeHead(400).end('bad bucket or key');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    await mkdir(dirname(join(dir, rel)), { recursive: true });
    await writeFile(join(dir, rel), Buffer.concat(chunks));
    res.writeHead(204).end();
    return;
  }
  // NOTE: validators compile schemas to code (ajv), which workerd refuses: workerd tests post documents here.
  if (req.method === 'POST' && url.pathname === '/validate/openapi') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const result = await new Validator().validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/corpus-index') {
    const files: string[] = [];
    for (const sub of ['data', 'bad_data']) {
      for (const f of (await readdir(join(CORPUS_DIR, sub))).sort())
        if (f.endsWith('.parquet')) files.push(`${sub}/${f}`);
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(files));
    return;
  }
  if (req.method === 'GET' && url.pathname.startsWith('/corpus/'))
    return sendFile(res, CORPUS_DIR, url.pathname.slice('/corpus/'.length));
  if (req.method === 'GET' && url.pathname.startsWith('/fixtures/'))
    return sendFile(res, fixturesDir, url.pathname.slice('/fixtures/'.length));
  res.writeHead(404).end('not found');
}
