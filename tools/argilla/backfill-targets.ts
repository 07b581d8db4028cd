// Where a backfill's files go. Locally: the running `npm start`, through the same upload as `npm run
// upload` (the Worker stores the object and queues R2's notification). In production: R2 itself, with
// `wrangler r2 object put --remote` (R2's event notification queues the load). Either way the verdicts are
// read from the main Worker's GET /api/ingestions.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type LocalStack, putLocalObject, waitForIngestions } from '../local/upload.ts';
import { ANNOTATIONS_BUCKET, type BackfillTarget } from './backfill.ts';

/** The running local stack (`npm start`). */
export function localStackTarget(stack: LocalStack): BackfillTarget {
  return {
    description: `the local stack at ${stack.base}`,
    async put(key, body) {
      const uploaded = await putLocalObject(stack, { bucket: ANNOTATIONS_BUCKET, key, body });
      return { etag: uploaded.etag, size: uploaded.size, eventTime: uploaded.eventTime };
    },
    wait: (files, on) =>
      waitForIngestions(files, {
        base: stack.base,
        bucket: ANNOTATIONS_BUCKET,
        since: on.since,
        onVerdict: on.verdict,
      }),
  };
}

export interface ProductionTargetOptions {
  /** The production main Worker (PUBLIC_URL), whose /api/ingestions reports the loads. */
  readonly publicUrl: string;
  /** API_TOKEN, sent when given (needed with READ_AUTH=token). */
  readonly token?: string;
  /** wrangler's entry script, run with this Node. */
  readonly wrangler: string;
  /** The checkout (wrangler.toml's folder). */
  readonly root: string;
}

const run = promisify(execFile);

/** Production R2 through wrangler (its login or CLOUDFLARE_API_TOKEN); the eTag is the MD5 R2 gives a single-part upload. */
export function productionTarget(o: ProductionTargetOptions): BackfillTarget {
  const base = o.publicUrl.replace(/\/+$/, '');
  return {
    description: `production R2 (wrangler r2 object put --remote), loads watched at ${base}`,
    async put(key, body) {
      const dir = mkdtempSync(join(tmpdir(), 'living-schema-backfill-'));
      const file = join(dir, 'file.parquet');
      try {
        writeFileSync(file, body);
        await run(
          process.execPath,
          [
            o.wrangler,
            'r2',
            'object',
            'put',
            `${ANNOTATIONS_BUCKET}/${key}`,
            '--file',
            file,
            '--remote',
            '-c',
            'wrangler.toml',
            '--env',
            'production',
          ],
          { cwd: o.root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, maxBuffer: 16 * 1024 * 1024 },
        );
      } catch (error) {
        const e = error as { stderr?: string; message: string };
        throw new Error(
          `wrangler r2 object put failed for ${ANNOTATIONS_BUCKET}/${key}: ${(e.stderr || e.message).trim().slice(0, 500)}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      return { etag: createHash('md5').update(body).digest('hex'), size: body.byteLength };
    },
    // R2's notifications can take a while to arrive: ten minutes without news before giving up.
    wait: (files, on) =>
      waitForIngestions(files, {
        base,
        bucket: ANNOTATIONS_BUCKET,
        idleMs: 600_000,
        pollMs: 3000,
        since: on.since,
        ...(o.token ? { token: o.token } : {}),
        onVerdict: on.verdict,
      }),
  };
}
