// `npm run upload -- <bucket> <file> [key]`: puts a file into the local R2 bucket of `npm start` and sends
// the notification R2 would send, then waits for the ingest consumer's verdict (tools/local/upload.ts).
//   --no-wait   return once the file is queued
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UPLOAD_BUCKETS } from '../local/config.ts';
import { parseDevVars } from '../local/dev-vars.ts';
import { localWorkerUrl, putLocalObject, UploadError, uploadKeyProblem, waitForIngestions } from '../local/upload.ts';
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
const problem = uploadKeyProblem(key, basename(file));
if (problem) fail(problem);
const base = localWorkerUrl(config, devVars);

let uploaded: Awaited<ReturnType<typeof putLocalObject>>;
try {
  uploaded = await putLocalObject(
    { base, token, r2Directories: config.r2Directories },
    { bucket, key, body: readFileSync(file) },
  );
} catch (error) {
  if (error instanceof UploadError) fail(error.message);
  throw error;
}
console.log(
  `uploaded ${file} to ${bucket}/${key} (${uploaded.size} bytes, eTag ${uploaded.etag}); notification queued`,
);
if (args.flags.has('no-wait')) process.exit(0);

process.stdout.write('waiting for the ingest consumer');
// The event, not just the version: the same bytes uploaded before have the same eTag.
const { verdicts, pending } = await waitForIngestions([uploaded], {
  base,
  bucket,
  onPoll: () => process.stdout.write('.'),
  onRetry: (_, row) => process.stdout.write(`\nretrying (attempt ${row.attempts}): ${row.error ?? ''}\n`),
});
process.stdout.write('\n');
const mine = verdicts.get(key);
if (!mine) {
  const lastRetry = pending[0]?.lastError ?? null;
  fail(
    lastRetry === null
      ? 'no verdict: nothing new for 120 s; see the [workers] output of `npm start`'
      : `no verdict: nothing new for 120 s; the consumer is still retrying (last error: ${lastRetry}); see GET /api/ingestions?status=retrying`,
  );
}
if (mine.status === 'loaded') {
  console.log(`loaded ${mine.rows} ${mine.rows === 1 ? 'row' : 'rows'} into ${mine.target} (${mine.strategy})`);
  process.exit(0);
}
console.log(`${mine.status}: ${mine.error ?? ''}`);
process.exit(mine.status === 'failed' ? 1 : 0);
