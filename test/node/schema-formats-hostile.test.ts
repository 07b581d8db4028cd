// One test over hostile names for every format: each still parses, and the names come back as data.
import { describe, expect, it } from 'vitest';
import { renderSchema } from '../../lib/schema/formats/index.ts';
import { entityType, field, fieldStats, schemaDocument } from '../support/schema-document.ts';
import { createAjv, importZodModule, parseMermaid } from '../support/schema-format-checks.ts';

const HOSTILE = [
  '"; DROP TABLE x; --',
  '</script><b>',
  'a|b',
  '`rm -rf`',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile name, deliberately not a template.
  '${x}',
  '*/ evil /*',
  'line\nbreak',
  'carriage\rreturn',
  'sep\u2028arator',
  'ship 🚢 𝔸',
  'x'.repeat(500),
  ' ',
  '# heading',
  '- item',
  "it's",
  '%% comment',
  '}o--o| raw_documents : "x"',
  'back\\slash',
];

const doc = schemaDocument({
  entityTypes: HOSTILE.map((name) =>
    entityType({
      name,
      aliases: [name],
      stats: { occurrences: 10, documents: 4, proposals: 0, firstSeen: null, lastSeen: null, examples: [name] },
    }),
  ).sort((a, b) => (a.name < b.name ? -1 : 1)),
  fields: HOSTILE.flatMap((name) => [
    field({ source: 'manifests', name, description: name, stats: fieldStats(3, 'varchar', [name]) }),
    field({ source: name, name: 'imo', type: 'bigint' }),
  ]),
});

describe('hostile names in every format', () => {
  it('JSON: parses back to the same document', () => {
    expect(JSON.parse(renderSchema(doc, 'json', {}).body)).toEqual(doc);
  });

  it('Mermaid: the grammar parses it and every line has the shape the renderer writes', async () => {
    const text = renderSchema(doc, 'mermaid', {}).body;
    expect(await parseMermaid(text)).toBe('er');
    const shapes = [
      /^erDiagram$/,
      /^ {2}%% [^\n]*$/,
      /^ {2}[A-Za-z][A-Za-z0-9_]*(\["[^"]*"\])? \{$/,
      /^ {4}[A-Za-z][A-Za-z0-9_]* [A-Za-z][A-Za-z0-9_]*( PK)?( "[^"#]*(#\d+;[^"#]*)*")?$/,
      /^ {2}\}$/,
      /^ {2}[a-z_]+ (\}o--o\||\|\|--o\||\|\|--o\{) [A-Za-z][A-Za-z0-9_]* : "[^"]*"$/,
      /^$/,
    ];
    for (const line of text.split('\n'))
      expect(
        shapes.some((s) => s.test(line)),
        line,
      ).toBe(true);
    expect(text).not.toMatch(/[<>`$|]"|\u2028/);
  });

  it('zod: compiles, imports, and every name is a key, not code', async () => {
    const m = await importZodModule(renderSchema(doc, 'zod', {}).body);
    expect(Object.keys(m.sources).sort()).toEqual([...new Set([...HOSTILE, 'manifests'])].sort());
    expect(Object.keys(m.sources.manifests.shape).sort()).toEqual([...HOSTILE].sort());
    expect(m.EntityType.options).toEqual(doc.entityTypes.map((e) => e.name));
    for (const name of HOSTILE) expect(m.sources[name].safeParse({ imo: 1 }).success).toBe(true);
  });

  it('JSON Schema: valid against the 2020-12 meta-schema, and names are property keys', () => {
    const schema = JSON.parse(renderSchema(doc, 'json-schema', {}).body);
    const ajv = createAjv();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    const validate = ajv.compile(schema.$defs['source:manifests']);
    expect(validate(Object.fromEntries(HOSTILE.map((n) => [n, n])))).toBe(true);
    expect(validate({ [HOSTILE[0] as string]: 5 })).toBe(false);
    expect(Object.keys(schema.$defs['source:manifests'].properties).sort()).toEqual([...HOSTILE].sort());
  });

  it('Markdown: every table row keeps its column count and no name becomes markup', () => {
    const text = renderSchema(doc, 'markdown', {}).body;
    const lines = text.split('\n');
    let columns = 0;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        columns = 0;
        // Outside tables only the renderer's own headings and list items start a line.
        expect(line, line).toMatch(
          /^(# Schema version |## Entity types$|## Source |- (Published|Bump|Content hash): |$)/,
        );
        continue;
      }
      const cells = line.split('|').length;
      if (columns === 0) columns = cells;
      expect(cells, line).toBe(columns);
    }
    expect(text).not.toMatch(/`|<(?!br>)|\r|\u2028/);
    expect(text).not.toContain('</script>');
  });

  it('prompt: every line is one the renderer writes and each name is a JSON string', () => {
    const text = renderSchema(doc, 'prompt', { budget: 100_000 }).body;
    const lines = text.split('\n');
    for (const line of lines.slice(3)) expect(line, line).toMatch(/^- (entity type|field) "/);
    expect(text).not.toMatch(/\r|\u2028/);
    const names = lines
      .slice(3)
      .map((l) => JSON.parse(/^- (?:entity type|field) ("(?:[^"\\]|\\.)*")/.exec(l)?.[1] ?? 'null'));
    expect(new Set(names)).toEqual(new Set([...HOSTILE, 'imo']));
  });
});
