// `npm run upload -- <bucket> <file> [key]`: puts a file into the local R2 bucket of `npm start` and sends
// the notification R2 would send, then waits for the ingest consumer's verdict.
//   --no-wait   return once the file is queued
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { resolveR2Url } from '../embedded-warehouse/r2-paths.ts';
import { UPLOAD_BUCKETS } from '../local/config.ts';
import { localPublicUrl, parseDevVars } from '../local/dev-vars.ts';
import { cliArgs, cliConfig, fail } from './args.ts';

const USAGE = `usage: npm run upload -- <bucket> <file> [key] [--no-wait]
  buckets: ${UPLOAD_BUCKETS.join(', ')}; key defaults to the file name
  --no-wait   return once the file is queued, without waiting for the consumer`;

const args = cliArgs(process.argv.slice(2), { usage: USAGE, flags: ['no-wait'] });
const [bucket, file, keyArg] = args.positionals;
if (!bucket || !file) fail(USAGE);
if (args.positionals.length > 3) fail(`unexpected argument '${args.positionals[3]}'\n${USAGE}`);
if (!existsSync(file)) fail(`no such file: ${file}`);
if (!statSync(file).isFile()) fail(`not a file: ${file}`);
const config = cliConfig();
if (!existsSync(config.devVarsPath)) fail('.dev.vars not found: start the stack with `npm start` first');
const devVars = parseDevVars(readFileSync(config.devVarsPath, 'utf8'));
const token = devVars.API_TOKEN;
if (!token) fail('API_TOKEN is missing from .dev.vars');
const key = keyArg ?? basename(file);
if (key === '' || key.endsWith('/')) fail(`key '${key}' names no object: give a file name, e.g. ${basename(file)}`);
// The key travels in a URL path, where `.`, `..` and empty segments would be rewritten on the way.
if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
  fail(`key '${key}' has an empty, '.' or '..' segment, which a URL path cannot carry as it is`);
}
if (key.includes('\0')) fail('a key may not contain a NUL character');
if (new TextEncoder().encode(key).length > 1024) fail(`key '${key.slice(0, 40)}...' is longer than R2's 1,024 bytes`);
// npm start keeps PUBLIC_URL on the Worker's port, so a stack started with WORKER_PORT is found without it.
const started = localPublicUrl(devVars);
const base = process.env.WORKER_PORT || !started ? `http://127.0.0.1:${config.ports.worker}` : started;

// The remote strategy reads r2://bucket/key from the warehouse's bucket directory: keep a copy there,
// before the upload (its event may be handled at once), and put back what was there if it is refused.
let restore = () => {};
if (config.r2Directories[bucket]) {
  let mirror: string;
  try {
    mirror = resolveR2Url(`r2://${bucket}/${key}`, config.r2Directories);
  } catch (error) {
    fail(`key '${key}' cannot be stored locally: ${(error as Error).message}`);
  }
  const previous = existsSync(mirror) ? readFileSync(mirror) : null;
  mkdirSync(dirname(mirror), { recursive: true });
  copyFileSync(file, mirror);
  restore = () => (previous === null ? rmSync(mirror, { force: true }) : writeFileSync(mirror, previous));
}

let response: Response;
try {
  response = await fetch(
    `${base}/v1/objects/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`,
    {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}` },
      body: readFileSync(file),
    },
  );
} catch {
  restore();
  fail(`cannot reach the main Worker at ${base}: is \`npm start\` running?`);
}
const body = (await response.json().catch(() => ({ error: { message: `HTTP ${response.status}, not JSON` } }))) as {
  etag?: string;
  size?: number;
  event?: { eventTime: string };
  error?: { message: string };
};
if (!response.ok) {
  restore();
  fail(`upload refused (${response.status}): ${body.error?.message ?? JSON.stringify(body)}`);
}
console.log(`uploaded ${file} to ${bucket}/${key} (${body.size} bytes, eTag ${body.etag}); notification queued`);
if (args.flags.has('no-wait')) process.exit(0);

interface Ingestion {
  key: string;
  etag: string;
  eventTime: string | null;
  status: string;
  attempts: number;
  rows: number | null;
  target: string | null;
  strategy: string | null;
  error: string | null;
}
// The event, not just the version: the same bytes uploaded before have the same eTag.
const sent = Date.parse(body.event?.eventTime ?? '');
const deadline = Date.now() + 120_000;
let lastRetry: string | null = null;
process.stdout.write('waiting for the ingest consumer');
while (Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 1000));
  process.stdout.write('.');
  // The Worker may be restarting: a failed poll is tried again until the deadline.
  const res = await fetch(`${base}/api/ingestions?bucket=${encodeURIComponent(bucket)}&limit=50`).catch(() => null);
  if (!res?.ok) continue;
  const { ingestions } = (await res.json().catch(() => ({ ingestions: [] }))) as { ingestions: Ingestion[] };
  const mine = ingestions.find(
    (i) => i.key === key && i.etag === body.etag && i.eventTime !== null && Date.parse(i.eventTime) === sent,
  );
  if (!mine) continue;
  if (mine.status === 'retrying') {
    // Not a verdict: the consumer tries again (with backoff), and its outcome replaces this row.
    if (mine.error !== lastRetry) process.stdout.write(`\nretrying (attempt ${mine.attempts}): ${mine.error ?? ''}\n`);
    lastRetry = mine.error;
    continue;
  }
  process.stdout.write('\n');
  if (mine.status === 'loaded') {
    console.log(`loaded ${mine.rows} ${mine.rows === 1 ? 'row' : 'rows'} into ${mine.target} (${mine.strategy})`);
    process.exit(0);
  }
  console.log(`${mine.status}: ${mine.error ?? ''}`);
  process.exit(mine.status === 'failed' ? 1 : 0);
}
process.stdout.write('\n');
fail(
  lastRetry === null
    ? 'no verdict after 120 s; see the [workers] output of `npm start`'
    : `no verdict after 120 s; the consumer is still retrying (last error: ${lastRetry}); see GET /api/ingestions?status=retrying`,
);
