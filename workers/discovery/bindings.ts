// The discovery Worker's bindings, declared by hand: `wrangler types` types the main Worker's Env only.
import type { KvBinding } from '../deps.ts';
import type { AiBinding } from './ai.ts';

export interface DiscoveryEnv {
  /** postgres://…: MotherDuck's Postgres endpoint (token as password), or the embedded warehouse. */
  readonly WAREHOUSE_URL: string;
  /** Incoming webhook for digests; unset, messages wait in the outbox. */
  readonly SLACK_WEBHOOK_URL?: string;
  /** Base URL of the main Worker, for links in Slack. */
  readonly PUBLIC_URL: string;
  /** 'true' under `npm start`; otherwise a PUBLIC_URL nobody else can open is logged as an error. */
  readonly LOCAL_DEV?: string;
  /** Discovery settings, JSON (lib/discovery/catalog.ts DiscoveryConfig). */
  readonly DISCOVERY_CONFIG?: string;
  /** Workers AI, only when configured: better descriptions of new names. */
  readonly AI?: AiBinding;
  /** The schema cache the main Worker answers from; written after each run that published a snapshot. */
  readonly SCHEMA_CACHE?: KvBinding;
}

/** Bindings the discovery Worker needs; a test checks wrangler.schema-discovery.toml and .dev.vars.example provide them. */
export const DISCOVERY_BINDINGS = [
  'WAREHOUSE_URL',
  'SLACK_WEBHOOK_URL',
  'PUBLIC_URL',
  'LOCAL_DEV',
  'DISCOVERY_CONFIG',
  'SCHEMA_CACHE',
] as const satisfies readonly (keyof DiscoveryEnv)[];
