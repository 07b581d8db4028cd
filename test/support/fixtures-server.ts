// A loopback HTTP server for things tests need over the network: the Parquet corpus (workerd cannot read
// the host's files) and recorded requests for fakes shaped like real services.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, normalize } from 'node:path';
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

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  fixturesDir: string,
  r2Directories: Record<string, string>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fixtures');
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
