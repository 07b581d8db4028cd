/** Bindings the discovery Worker uses; a test checks wrangler.schema-discovery.toml and .dev.vars.example provide them. */
export const DISCOVERY_BINDINGS = ['WAREHOUSE_URL', 'SLACK_WEBHOOK_URL', 'PUBLIC_URL'] as const;
