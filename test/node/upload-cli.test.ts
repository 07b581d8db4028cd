// The upload CLI against a stand-in Worker on loopback, shaped like the real one's two routes: it must wait
// through 'retrying' rows for the verdict, and say what it saw.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.ts';

let dir: string;
let server: Server;
let polls = 0;
const eventTime = '2026-11-21T12:00:00.000Z';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upload-cli-'));
  writeFileSync(join(dir, '.dev.vars'), 'API_TOKEN=upload-cli-token-0000000000\n');
  writeFileSync(join(dir, 'ports.csv'), 'port\nOslo\n');
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'PUT') {
      req.resume();
      req.on('end', () => res.end(JSON.stringify({ etag: 'e1', size: 10, event: { eventTime } })));
      return;
    }
    polls++;
    const row = (status: string, error: string | null) => ({
      key: 'ports.csv',
      etag: 'e1',
      eventTime,
      status,
      attempts: polls,
      rows: status === 'loaded' ? 1 : null,
      target: 'structured_data',
      strategy: 'remote',
      error,
    });
    const ingestions =
      polls < 3
        ? [row('retrying', 'vessel-csv/ports.csv: the warehouse could not load it: busy')]
        : [row('loaded', null)];
    res.end(JSON.stringify({ ingestions }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run upload', () => {
  it('waits through retrying rows and reports the final verdict', async () => {
    const port = (server.address() as AddressInfo).port;
    const result = await runCli('upload.ts', ['vessel-csv', 'ports.csv'], {
      cwd: dir,
      env: { ...process.env, WORKER_PORT: String(port) },
    });
    expect(result.out).toContain('retrying (attempt 1): vessel-csv/ports.csv: the warehouse could not load it: busy');
    expect(result.out).toContain('loaded 1 row into structured_data (remote)');
    expect(result.code).toBe(0);
    expect(polls).toBe(3);
  }, 30_000);
});
