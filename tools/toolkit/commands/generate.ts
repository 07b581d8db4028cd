// `npm run schema -- generate <format>`: the schema as zod, TypeScript types, Markdown, Mermaid or JSON Schema,
// from the migrations (default), the live database or a snapshot's views; `--all` rewrites schema/generated/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TABLE_RELATIONS } from '../../../lib/schema/tables.ts';
import { GENERATE_FORMATS, type GenerateFormat, renderFormat } from '../../../lib/toolkit/generate/index.ts';
import { type Command, EXIT, UsageError } from '../cli.ts';
import { GENERATED_DIR, generatedFiles, SCHEMA_SQL, schemaSqlText } from '../generated.ts';
import { loadSchema, parseSource } from '../sources.ts';

const USAGE = `usage: npm run schema -- generate <${GENERATE_FORMATS.join('|')}> [--from db|snapshot:N|migration:NNNN] [--out path] [--json]
       npm run schema -- generate --all [--from ...] [--out dir]
  Renders the warehouse schema. --from: migration (default: every migration, applied to a scratch warehouse),
  migration:NNNN (up to that number), db (the database at WAREHOUSE_URL), snapshot:N (the typed views
  stored with schema_snapshots version N of that database).
  --out: write to this file instead of stdout. --all: every format into --out (default schema/generated/),
  the files \`npm run schema -- check\` compares with the migrations (and, without --out, sql/schema.sql:
  the whole schema as declarative DDL). --migrations dir: another migrations folder.`;

export const generateCommand: Command = {
  name: 'generate',
  summary: 'the schema as zod, TypeScript types, Markdown, Mermaid or JSON Schema (--all: schema/generated/)',
  usage: USAGE,
  flags: ['all'],
  valued: ['from', 'out', 'migrations'],
  async run(ctx) {
    const all = ctx.args.flags.has('all');
    const [format, ...extra] = ctx.args.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected ${extra.join(' ')}`);
    if (!all && format === undefined) throw new UsageError(`name a format (${GENERATE_FORMATS.join(', ')}) or --all`);
    if (format !== undefined && !(GENERATE_FORMATS as readonly string[]).includes(format))
      throw new UsageError(`unknown format '${format}': use one of ${GENERATE_FORMATS.join(', ')}`);
    if (all && format !== undefined) throw new UsageError('--all writes every format: name none');
    const source = parseSource(ctx.args.values.get('from'));
    const { model, label } = await loadSchema(ctx, source, ctx.args.values.get('migrations'));
    const out = ctx.args.values.get('out');
    if (all) {
      const dir = out ?? GENERATED_DIR;
      mkdirSync(dir, { recursive: true });
      const written = generatedFiles(model, label).map(({ file, text }) => {
        writeFileSync(join(dir, file), text);
        ctx.say(`wrote ${join(dir, file)}`);
        return { file: join(dir, file), bytes: Buffer.byteLength(text) };
      });
      // sql/schema.sql is the project's own: written with the default folder, not into another --out.
      if (out === undefined) {
        const text = schemaSqlText(model, label);
        writeFileSync(SCHEMA_SQL, text);
        ctx.say(`wrote ${SCHEMA_SQL}`);
        written.push({ file: SCHEMA_SQL, bytes: Buffer.byteLength(text) });
      }
      ctx.emit({ from: label, written });
      return EXIT.ok;
    }
    const text = renderFormat(format as GenerateFormat, model, { source: label, joins: TABLE_RELATIONS });
    if (out === undefined) {
      if (ctx.json) ctx.emit({ format, from: label, text });
      else process.stdout.write(text);
      return EXIT.ok;
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, text);
    ctx.say(`wrote ${out} (${format} from ${label})`);
    ctx.emit({ format, from: label, written: [{ file: out, bytes: Buffer.byteLength(text) }] });
    return EXIT.ok;
  },
};
