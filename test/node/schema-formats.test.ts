import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickFormat, renderSchema } from '../../lib/schema/formats/index.ts';
import { escapeCell } from '../../lib/schema/formats/markdown.ts';
import { escapeComment, safeIdentifiers } from '../../lib/schema/formats/mermaid.ts';
import { estimateTokens, PROMPT_BUDGET_MAX, PROMPT_BUDGET_MIN, renderPrompt } from '../../lib/schema/formats/prompt.ts';
import { entityType, field, fieldStats, schemaDocument, twoVersions } from '../support/schema-document.ts';
import {
  compileZodModule,
  createAjv,
  csvRows,
  importZodModule,
  parseMermaid,
} from '../support/schema-format-checks.ts';

const [v1, v2] = twoVersions();
const FORMATS = ['json', 'markdown', 'mermaid', 'zod', 'json-schema', 'prompt'] as const;
// `.snap` keeps Biome from reformatting the exact expected outputs.
const EXT = { json: 'json', markdown: 'md', mermaid: 'mmd', zod: 'ts', 'json-schema': 'schema.json', prompt: 'txt' };

const V1_CSV = 'imo,vessel,gross_tonnage,arrived,inspected\n9074729,Ever Given,220940.5,2026-01-01,true\n9811000,,,,\n';
const V2_CSV =
  'imo,vessel,gross_tonnage,arrived,inspected,flag\n9074729,Ever Given,220940.5,2026-01-01,true,PA\n9811000,Ever Ace,1.5,2026-02-01,false,\n';
const BAD_CSV = 'imo,vessel\nnot-a-number,Ever Given\n';

describe('pickFormat', () => {
  it('lets ?format= win over Accept', () => {
    expect(pickFormat('markdown', 'application/json')).toBe('markdown');
    expect(pickFormat('JSON-Schema', undefined)).toBe('json-schema');
  });

  it('refuses an unknown ?format= naming every accepted value', () => {
    expect(pickFormat('yaml', 'text/markdown')).toEqual({
      error: 'unknown format "yaml": use one of json, markdown, mermaid, zod, json-schema, prompt',
    });
  });

  it('maps each Accept media type to its format', () => {
    expect(
      [
        'application/json',
        'text/markdown',
        'text/vnd.mermaid',
        'text/x-mermaid',
        'application/typescript',
        'text/typescript',
        'application/schema+json',
        'text/plain',
      ].map((a) => pickFormat(undefined, a)),
    ).toEqual(['json', 'markdown', 'mermaid', 'mermaid', 'zod', 'zod', 'json-schema', 'prompt']);
  });

  it('answers JSON for */*, an empty or absent Accept', () => {
    expect([pickFormat(undefined, undefined), pickFormat(undefined, ''), pickFormat(undefined, '*/*')]).toEqual([
      'json',
      'json',
      'json',
    ]);
  });

  it('honours q-values, prefers exact types to wildcards, and skips q=0 and types it does not serve', () => {
    expect(pickFormat(undefined, 'text/markdown;q=0.5, text/plain;q=0.9')).toBe('prompt');
    expect(pickFormat(undefined, '*/*, text/markdown')).toBe('markdown');
    expect(pickFormat(undefined, 'text/html, text/markdown;q=0.1')).toBe('markdown');
    expect(pickFormat(undefined, 'text/markdown;q=0, application/schema+json;q=0.2')).toBe('json-schema');
    expect(pickFormat(undefined, 'image/png')).toEqual({ error: expect.stringContaining('text/vnd.mermaid') });
  });
});

describe('renderSchema', () => {
  it('serves each format with its Content-Type', () => {
    expect(FORMATS.map((f) => renderSchema(v1, f, {}).contentType)).toEqual([
      'application/json; charset=utf-8',
      'text/markdown; charset=utf-8',
      'text/vnd.mermaid; charset=utf-8',
      'application/typescript; charset=utf-8',
      'application/schema+json; charset=utf-8',
      'text/plain; charset=utf-8',
    ]);
  });

  it('renders JSON as the document itself', () => {
    expect(JSON.parse(renderSchema(v2, 'json', {}).body)).toEqual(v2);
  });

  for (const format of FORMATS) {
    it(`renders ${format} of two versions exactly as the fixtures say`, async () => {
      await expect(renderSchema(v1, format, {}).body).toMatchFileSnapshot(
        `fixtures/schema-formats/v1.${EXT[format]}.snap`,
      );
      await expect(renderSchema(v2, format, {}).body).toMatchFileSnapshot(
        `fixtures/schema-formats/v2.${EXT[format]}.snap`,
      );
    });
  }

  it('renders a small document as Markdown, exactly', () => {
    const doc = schemaDocument({
      entityTypes: [entityType({ name: 'IMO_NUMBER', description: 'IMO | ship id', stats: null })],
      fields: [field({ name: 'imo', type: 'bigint', stats: fieldStats(3, 'bigint', ['9074729']) })],
    });
    expect(renderSchema(doc, 'markdown', {}).body).toBe(
      [
        '# Schema version 1 (1.0.0)',
        '',
        '- Published: 2026-01-02T03:04:05.000Z',
        '- Bump: minor',
        '- Content hash: c0ffee',
        '',
        '## Entity types',
        '',
        '| Name | Status | Description | Occurrences | Documents | Aliases | Examples |',
        '| --- | --- | --- | ---: | ---: | --- | --- |',
        '| IMO_NUMBER | active | IMO &#124; ship id |  |  |  |  |',
        '',
        '## Source manifests (structured_data.data)',
        '',
        '| Field | Type | Status | Description | Occurrences | Examples | SQL |',
        '| --- | --- | --- | --- | ---: | --- | --- |',
        `| imo | bigint | active |  | 3 | "9074729" | json_extract_string(data, '$."imo"') |`,
        '',
      ].join('\n'),
    );
  });
});

describe('Mermaid', () => {
  it('is parsed by the mermaid package as an erDiagram, for two versions', async () => {
    expect(await parseMermaid(renderSchema(v1, 'mermaid', {}).body)).toBe('er');
    expect(await parseMermaid(renderSchema(v2, 'mermaid', {}).body)).toBe('er');
  });

  it('derives identifiers by the documented rule and resolves collisions in code point order', () => {
    expect([...safeIdentifiers(['a.b', 'a b', 'a_b', '9lives', '', 'PK', 'ok'], 'f_')]).toEqual([
      ['', 'f_'],
      ['9lives', 'f_9lives'],
      ['PK', 'f_PK'],
      ['a b', 'a_b'],
      ['a.b', 'a_b_2'],
      ['a_b', 'a_b_3'],
      ['ok', 'ok'],
    ]);
  });

  it('writes quotes, # and markup in comments as entity codes', () => {
    expect(escapeComment('say "hi" #1 <b>')).toBe('say #34;hi#34; #35;1 #60;b#62;');
  });

  it('a grammar error is reported, so the parse check can fail', async () => {
    await expect(parseMermaid('erDiagram\n  a {\n    VARCHAR x "a"b"\n  }\n')).rejects.toThrow(/Parse error/);
  });
});

describe('zod module', () => {
  it('compiles: transpiles and type-checks against the project zod, for two versions', () => {
    for (const doc of [v1, v2]) expect(compileZodModule(renderSchema(doc, 'zod', {}).body).diagnostics).toEqual([]);
  });

  it('parses real rows that DuckDB made of CSV files, across versions, and refuses a wrongly typed value', async () => {
    const m1 = await importZodModule(renderSchema(v1, 'zod', {}).body);
    const m2 = await importZodModule(renderSchema(v2, 'zod', {}).body);
    expect(m1.schemaVersion).toEqual({
      version: 1,
      semver: '1.0.0',
      publishedAt: v1.publishedAt,
      contentHash: 'c0ffee',
    });
    const rows1 = await csvRows(V1_CSV);
    const rows2 = await csvRows(V2_CSV);
    expect(rows2[0]).toEqual({
      imo: 9074729,
      vessel: 'Ever Given',
      gross_tonnage: 220940.5,
      arrived: '2026-01-01',
      inspected: true,
      flag: 'PA',
    });
    for (const row of rows1) expect(m1.sources.manifests.safeParse(row).success).toBe(true);
    for (const row of [...rows1, ...rows2]) expect(m2.sources.manifests.safeParse(row).success).toBe(true);
    // A v2 row (with `flag`, which v1 does not know) still parses under v1, and keeps the key.
    expect(m1.sources.manifests.parse(rows2[0])).toEqual(rows2[0]);
    const [bad] = await csvRows(BAD_CSV);
    const refused = m1.sources.manifests.safeParse(bad);
    expect(refused.success).toBe(false);
    expect(refused.error.issues[0].path).toEqual(['imo']);
    expect(m2.EntityType.options).toEqual(['FLAG_STATE', 'IMO_NUMBER', 'VESSEL_NAME']);
    expect(m1.EntityType.safeParse('FLAG_STATE').success).toBe(false);
    expect(m2.aliases).toEqual({ VESSEL_NAME: ['SHIP_NAME'] });
  });

  it('nests a.b into objects and x[] into arrays, and makes mixed types unknown', async () => {
    const doc = schemaDocument({
      fields: [
        field({ name: 'port', type: 'object' }),
        field({ name: 'port.code', type: 'varchar' }),
        field({ name: 'crew', type: 'array' }),
        field({ name: 'crew[]', type: 'object' }),
        field({ name: 'crew[].age', type: 'int' }),
        field({ name: 'tags[]', type: 'varchar' }),
        field({
          name: 'misc',
          type: 'varchar',
          stats: { ...fieldStats(4, 'varchar', []), observedTypes: { varchar: 2, bigint: 2 } },
        }),
      ],
    });
    const m = await importZodModule(renderSchema(doc, 'zod', {}).body);
    const s = m.sources.manifests;
    expect(s.safeParse({ port: { code: 'NLRTM' }, crew: [{ age: 30 }], tags: ['a'], misc: 1 }).success).toBe(true);
    expect(s.safeParse({ misc: 'x' }).success).toBe(true);
    expect(s.safeParse({ port: { code: 5 } }).success).toBe(false);
    expect(s.safeParse({ crew: [{ age: 'old' }] }).success).toBe(false);
    expect(s.safeParse({ tags: 'a' }).success).toBe(false);
  });
});

describe('JSON Schema', () => {
  it('is valid against the draft 2020-12 meta-schema, for two versions', () => {
    const ajv = createAjv();
    for (const doc of [v1, v2]) {
      const schema = JSON.parse(renderSchema(doc, 'json-schema', {}).body);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).toBe(true);
    }
  });

  it('validates the same real rows, across versions, and refuses a wrongly typed value', async () => {
    const ajv = createAjv();
    ajv.addSchema(JSON.parse(renderSchema(v1, 'json-schema', {}).body));
    ajv.addSchema(JSON.parse(renderSchema(v2, 'json-schema', {}).body));
    const s1 = ajv.getSchema('urn:living-schema:schema:1#/$defs/source:manifests');
    const s2 = ajv.getSchema('urn:living-schema:schema:2#/$defs/source:manifests');
    const entity = ajv.getSchema('urn:living-schema:schema:2#/$defs/EntityType');
    if (!s1 || !s2 || !entity) throw new Error('schemas missing');
    const rows = [...(await csvRows(V1_CSV)), ...(await csvRows(V2_CSV))];
    for (const row of rows) expect([s1(row), s2(row)]).toEqual([true, true]);
    const [bad] = await csvRows(BAD_CSV);
    expect(s1(bad)).toBe(false);
    expect(s1.errors?.[0]?.instancePath).toBe('/imo');
    expect([entity('FLAG_STATE'), entity('SHIP_NAME')]).toEqual([true, false]);
  });
});

describe('prompt', () => {
  it('lists the views, then the most-used names first with type, examples and SQL, names without statistics last', () => {
    const lines = renderPrompt(v2).split('\n');
    expect(lines.filter((l) => l.startsWith('- ')).map((l) => l.slice(0, 40))).toEqual([
      '- view src_manifests (source "manifests"',
      '- view annotations_current (current anno',
      '- entity type "IMO_NUMBER" (active); e.g',
      '- field "imo" of source "manifests": big',
      '- field "vessel" of source "manifests": ',
      '- field "gross_tonnage" of source "manif',
      '- entity type "VESSEL_NAME" (active), al',
      '- field "arrived" of source "manifests":',
      '- field "flag" of source "manifests": va',
      '- entity type "FLAG_STATE" (active); SQL',
      '- field "inspected" of source "manifests',
    ]);
    expect(lines).toContain(
      `- field "imo" of source "manifests": bigint (active); e.g. "9074729"; SQL: SELECT json_extract_string(data, '$."imo"') FROM structured_data WHERE source = 'manifests'`,
    );
  });

  it('says how many names the budget left out', () => {
    const many = schemaDocument({
      fields: Array.from({ length: 200 }, (_, i) => field({ name: `column_${String(i).padStart(3, '0')}` })),
    });
    const text = renderPrompt(many, PROMPT_BUDGET_MIN);
    expect(estimateTokens(text)).toBeLessThanOrEqual(PROMPT_BUDGET_MIN);
    const shown = text.split('\n').filter((l) => l.startsWith('- ')).length;
    expect(text.endsWith(`(${200 - shown} more names left out by the token budget)`)).toBe(true);
  });

  it('never exceeds the budget, whatever the document and budget', () => {
    const name = fc.string({ unit: 'binary', maxLength: 80 });
    const doc = fc
      .record({
        entityTypes: fc.array(name, { maxLength: 30 }),
        fields: fc.array(fc.tuple(name, name, fc.option(fc.nat(1000))), { maxLength: 60 }),
      })
      .map(({ entityTypes, fields }) =>
        schemaDocument({
          entityTypes: entityTypes.map((n) => entityType({ name: n })),
          fields: fields.map(([source, n, occ]) =>
            field({ source, name: n, stats: occ === null ? null : fieldStats(occ, 'varchar', [n, source]) }),
          ),
        }),
      );
    fc.assert(
      fc.property(doc, fc.integer({ min: -10, max: 3000 }), (d, budget) => {
        const effective = Math.min(PROMPT_BUDGET_MAX, Math.max(PROMPT_BUDGET_MIN, budget));
        expect(estimateTokens(renderPrompt(d, budget))).toBeLessThanOrEqual(effective);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Markdown escaping', () => {
  it('escapes pipes, backticks, markup, line breaks and leading markers, keeping words readable', () => {
    expect(escapeCell('VESSEL_NAME')).toBe('VESSEL_NAME');
    expect(escapeCell('a|b `c` <b>&')).toBe('a&#124;b &#96;c&#96; &lt;b&gt;&amp;');
    expect(escapeCell('# one\r\ntwo\nthree\u2028four')).toBe('\\# one<br>two<br>three<br>four');
    expect(escapeCell('_x_ *y* [z](u)')).toBe('\\_x\\_ \\*y\\* \\[z\\](u)');
    expect(escapeCell(' ')).toBe('&#32;');
  });
});
