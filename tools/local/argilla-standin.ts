// `ARGILLA_STANDIN=1 npm start`: the Argilla stand-in, wired to the local Workers before wrangler dev reads
// .dev.vars (URL, owner key, the datasets to sync, a webhook to the main Worker and its secret), and the
// first sync once the Worker is up, so the seeded annotations are loaded with no manual step.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { type ArgillaDatasetConfig, parseArgillaDatasets } from '../../lib/argilla/config.ts';
import { registerWebhook } from '../argilla/webhooks.ts';
import { type ArgillaStandin, startArgillaStandin } from '../argilla-standin/server.ts';
import type { Store } from '../argilla-standin/store.ts';
import { ensureDevVars, redactUrl, setDevVars } from './dev-vars.ts';

/** The .dev.vars lines a stand-in start owns (and rewrites on every start). */
export const STANDIN_VARS = ['ARGILLA_URL', 'ARGILLA_API_KEY', 'ARGILLA_DATASETS', 'ARGILLA_WEBHOOK_SECRET'] as const;

const LOOPBACK_URL = /^http:\/\/127\.0\.0\.1:\d+\/?$/;

/**
 * ARGILLA_DATASETS for what the stand-in holds: per workspace, every dataset with a span question (the only
 * kind the sync reads), `record_id` Argilla's record id and `document_id` the records' `metadata.document_id`
 * when every record has one (the fixtures' and generated datasets' join key), else their `external_id`.
 */
export function standinDatasets(store: Store): z.input<typeof ArgillaDatasetConfig>[] {
  const groups = new Map<string, z.input<typeof ArgillaDatasetConfig> & { names: string[] }>();
  for (const dataset of store.datasets) {
    if (!dataset.questions.some((q) => q.settings.type === 'span')) continue;
    const documentId = dataset.records.every((r) => typeof r.metadata?.document_id === 'string')
      ? 'metadata:document_id'
      : 'external_id';
    const key = `${dataset.workspace_id}\n${documentId}`;
    const group = groups.get(key) ?? { workspace: dataset.workspace_id, names: [], recordId: 'id', documentId };
    group.names.push(dataset.name);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * ARGILLA_DATASETS as one .dev.vars line. NOTE: wrangler's dotenv reads an unquoted value up to a `#`, so a
 * `#` in a name is written as the JSON escape `\u0023`; JSON.stringify leaves no line break or leading quote.
 */
export function datasetsVar(datasets: readonly z.input<typeof ArgillaDatasetConfig>[]): string {
  const text = JSON.stringify(datasets).replaceAll('#', '\\u0023');
  parseArgillaDatasets(text);
  return text;
}

export interface LocalArgilla {
  readonly standin: ArgillaStandin;
  /** What was wired, one line each, for the start log (no secret in them). */
  readonly wired: readonly string[];
}

export interface LocalArgillaOptions {
  readonly devVarsPath: string;
  /** 0 picks a free one. */
  readonly port: number;
  readonly seed: readonly string[];
  /** The main Worker's loopback base URL, where the stand-in delivers its webhooks. */
  readonly workerUrl: string;
  readonly ports: Parameters<typeof ensureDevVars>[1];
}

/** Why .dev.vars' Argilla settings are not the stand-in's to rewrite, or null. */
export function standinRefusal(devVarsPath: string, ports: LocalArgillaOptions['ports']): string | null {
  const previous = ensureDevVars(devVarsPath, ports).vars.ARGILLA_URL;
  if (!previous || LOOPBACK_URL.test(previous)) return null;
  return `ARGILLA_URL in ${devVarsPath} points at ${redactUrl(previous)}, not at a stand-in: remove it (and ARGILLA_API_KEY, ARGILLA_DATASETS, ARGILLA_WEBHOOK_SECRET) or start without ARGILLA_STANDIN=1`;
}

/**
 * Starts the stand-in, registers its webhook to the Worker and writes the four ARGILLA_* lines of
 * .dev.vars; throws when .dev.vars names a real (non-loopback) Argilla, which is never overwritten.
 */
export async function startLocalArgilla(options: LocalArgillaOptions): Promise<LocalArgilla> {
  const refusal = standinRefusal(options.devVarsPath, options.ports);
  if (refusal) throw new Error(refusal);
  const current = ensureDevVars(options.devVarsPath, options.ports).vars;
  // A key an earlier stand-in start wrote is kept, so a restart does not invalidate what the Workers hold.
  const key =
    current.ARGILLA_URL && current.ARGILLA_API_KEY ? current.ARGILLA_API_KEY : randomBytes(24).toString('base64url');
  const standin = await startArgillaStandin({
    port: options.port,
    seed: options.seed,
    apiKeys: { [key]: { username: 'argilla', role: 'owner', workspaces: [] } },
  });
  try {
    const datasets = standinDatasets(standin.store);
    // The stand-in keeps its webhooks in memory, so every start registers one (and gets a new secret).
    const hook = await registerWebhook({ url: standin.url, apiKey: key }, options.workerUrl);
    const written = setDevVars(options.devVarsPath, {
      ARGILLA_URL: standin.url,
      ARGILLA_API_KEY: key,
      ARGILLA_DATASETS: datasetsVar(datasets),
      ARGILLA_WEBHOOK_SECRET: hook.secret,
    });
    const workspaces = new Map([...standin.store.workspaces.values()].map((w) => [w.id, w.name]));
    return {
      standin,
      wired: [
        `Argilla stand-in on ${standin.url} (owner key ARGILLA_API_KEY)`,
        ...datasets.map(
          (d) =>
            `  syncs ${d.names.join(', ')} of workspace ${workspaces.get(d.workspace ?? '') ?? d.workspace} (ARGILLA_DATASETS, document_id from ${d.documentId})`,
        ),
        `  webhook ${hook.id} -> ${hook.url} (${hook.events.join(', ')}), secret ARGILLA_WEBHOOK_SECRET`,
        written.length > 0
          ? `  wrote ${written.join(', ')} to ${options.devVarsPath}`
          : `  ${options.devVarsPath} already held them`,
      ],
    };
  } catch (error) {
    await standin.close();
    throw error;
  }
}

interface SyncAnswer {
  readonly datasets: readonly {
    readonly name: string;
    readonly outcome: string;
    readonly reason?: string;
    readonly responses: number;
    readonly spans: number;
  }[];
}

/**
 * The first sync of a stand-in start, through the Worker's `POST /api/argilla/sync` with `full` (the stand-in
 * is seeded afresh on every start, so a restart reconciles what the warehouse kept from the last one).
 * Returns one line per dataset; a failure is a line too, never a throw (the stack stays up).
 */
export async function initialSync(workerUrl: string, apiToken: string): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(`${workerUrl}/api/argilla/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ full: true }),
    });
  } catch (error) {
    return [`initial Argilla sync failed: ${(error as Error).message}`];
  }
  const text = await response.text();
  if (!response.ok) return [`initial Argilla sync failed: ${response.status} ${text}`];
  const report = JSON.parse(text) as SyncAnswer;
  return report.datasets.map((d) =>
    d.outcome === 'failed'
      ? `initial Argilla sync: ${d.name} failed: ${d.reason ?? ''}`
      : `initial Argilla sync: ${d.name} ${d.outcome} (${plural(d.responses, 'changed response')}, ${plural(d.spans, 'span')})`,
  );
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
