// `npm run argilla -- <area> ...`: Argilla operations. `webhook` manages Argilla's webhook to the main
// Worker (tools/cli/argilla-webhook.ts); `backfill` exports Argilla's history into the pipeline and
// validates it (tools/cli/argilla-backfill.ts).
import { BACKFILL_USAGE, backfillCli } from './argilla-backfill.ts';
import { WEBHOOK_USAGE, webhookCli } from './argilla-webhook.ts';
import { fail } from './args.ts';

const USAGE = `${WEBHOOK_USAGE}\n\n${BACKFILL_USAGE.replace(/^usage: /, '       ')}`;

const [area, ...rest] = process.argv.slice(2);
if (area === 'webhook') await webhookCli(rest);
else if (area === 'backfill') await backfillCli(rest);
else if (area === '--help' || area === '-h') console.log(USAGE);
else fail(USAGE);
