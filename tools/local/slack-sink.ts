// A stand-in for a Slack incoming webhook: prints each message and appends it to a JSONL file.
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';

export interface SlackSink {
  readonly url: string;
  close(): Promise<void>;
}

export interface SlackSinkOptions {
  readonly port: number;
  readonly file: string;
  readonly print?: (line: string) => void;
}

const MAX_BODY = 1024 * 1024;

/** Answers like Slack: 200 `ok`, 400 `invalid_payload` for non-JSON, 404 `no_service` for other paths. */
export async function startSlackSink(options: SlackSinkOptions): Promise<SlackSink> {
  mkdirSync(dirname(options.file), { recursive: true });
  const print = options.print ?? ((line: string) => console.log(line));
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/slack/webhook') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      let message: unknown;
      try {
        message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      if (size > MAX_BODY || typeof message !== 'object' || message === null) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      const receivedAt = new Date().toISOString();
      appendFileSync(options.file, `${JSON.stringify({ receivedAt, message })}\n`);
      print(`[slack] ${summarize(message as Record<string, unknown>)}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/webhook`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function summarize(message: Record<string, unknown>): string {
  const blocks = Array.isArray(message.blocks) ? message.blocks.length : 0;
  const text = typeof message.text === 'string' ? message.text : '(no text)';
  return blocks > 0 ? `${text} [${blocks} blocks]` : text;
}
