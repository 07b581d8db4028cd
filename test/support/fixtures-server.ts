// A loopback HTTP server for things tests need over the network: the Parquet corpus (workerd cannot read
// the host's files) and recorded requests for fakes shaped like real services.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalize } from 'node:path';
import { CORPUS_DIR } from './paths.ts';

export interface FixturesServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startFixturesServer(): Promise<FixturesServer> {
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
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

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fixtures');
  if (req.method === 'GET' && url.pathname.startsWith('/corpus/')) {
    const rel = normalize(decodeURIComponent(url.pathname.slice('/corpus/'.length)));
    if (rel.startsWith('..')) {
      res.writeHead(400).end('bad path');
      return;
    }
    try {
      const bytes = await readFile(CORPUS_DIR + rel);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length }).end(bytes);
    } catch {
      res.writeHead(404).end('not found');
    }
    return;
  }
  res.writeHead(404).end('not found');
}
