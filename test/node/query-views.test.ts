// The typed views: the naming rule, and views over hostile source and field names created in a real
// warehouse and read back (quotes, dots, `$`, `*`, unicode, SQL injection attempts, NUL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceViews } from '../../lib/discovery/run-publish.ts';
import type { Catalog, CatalogEntityType, CatalogField } from '../../lib/discovery/snapshot.ts';
import { nameHash, slugOf, sourceViewName, sourceViewNames } from '../../lib/query/view-names.ts';
import { buildViews, canonicalEntityTypes, jsonPointer } from '../../lib/query/views.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';

const field = (o: Partial<CatalogField> & { name: string }): CatalogField => ({
  source: 'manifests',
  kind: 'structured',
  type: 'varchar',
  status: 'active',
  description: null,
  mergedInto: null,
  ...o,
});
const entity = (o: Partial<CatalogEntityType> & { name: string }): CatalogEntityType => ({
  status: 'active',
  description: null,
  mergedInto: null,
  ...o,
});

describe('view names', () => {
  it('keeps a clean source name, and marks a name the slug changed with its hash', () => {
    expect(sourceViewName('manifests')).toBe('src_manifests');
    expect(sourceViewName('port_calls_2026')).toBe('src_port_calls_2026');
    expect(sourceViewName('Manifests')).toBe(`src_manifests_${nameHash('Manifests')}`);
    expect(sourceViewName('Überfahrt Liste')).toBe(`src_uberfahrt_liste_${nameHash('Überfahrt Liste')}`);
    expect(sourceViewName('"; DROP TABLE annotations; --')).toBe(
      `src_drop_table_annotations_${nameHash('"; DROP TABLE annotations; --')}`,
    );
    expect(sourceViewName('船舶')).toBe(`src_${nameHash('船舶')}`);
    expect(sourceViewName('')).toBe(`src_${nameHash('')}`);
    expect(slugOf('a'.repeat(60))).toHaveLength(40);
    expect(sourceViewName('a'.repeat(60))).toBe(`src_${'a'.repeat(40)}_${nameHash('a'.repeat(60))}`);
  });

  it('gives every source its own name, the same whichever other sources there are', () => {
    const names = sourceViewNames(['manifests', 'Manifests', 'manifests!', 'MANIFESTS']);
    expect(new Set(names.values()).size).toBe(4);
    expect(names.get('manifests')).toBe('src_manifests');
    expect(sourceViewNames(['Manifests']).get('Manifests')).toBe(names.get('Manifests'));
  });

  it('writes JSON pointers in which every key is plain', () => {
    expect(jsonPointer(['a', 'b'])).toBe('/a/b');
    expect(jsonPointer(['a/b', '~1', '*', ''])).toBe('/a~1b/~01/*/');
  });

  it('follows entity type merges to their end, and stops at a cycle', () => {
    const catalog: Catalog = {
      entityTypes: [
        entity({ name: 'A', status: 'merged', mergedInto: 'B' }),
        entity({ name: 'B', status: 'merged', mergedInto: 'C' }),
        entity({ name: 'C' }),
        entity({ name: 'X', status: 'merged', mergedInto: 'Y' }),
        entity({ name: 'Y', status: 'merged', mergedInto: 'X' }),
      ],
      fields: [],
    };
    expect(Object.fromEntries(canonicalEntityTypes(catalog))).toEqual({ A: 'C', B: 'C', X: 'Y', Y: 'X' });
  });
});

const HOSTILE = [
  'it\'s "quoted"',
  'dots.in.name',
  '$.root',
  '*',
  'ü名😀',
  "x'); DROP TABLE annotations; --",
  'back\\slash',
  'a/b~c',
  'line\nbreak',
  'IMO',
];

describe('views over hostile names, in the warehouse', () => {
  let warehouse: Warehouse;
  const source = 'Hostile "source"; DROP TABLE x; --';
  const catalog: Catalog = {
    entityTypes: [
      entity({ name: 'VESSEL_NAME' }),
      entity({ name: 'SHIP_NAME', status: 'merged', mergedInto: 'VESSEL_NAME' }),
    ],
    fields: [
      ...HOSTILE.map((name) => field({ source, name })),
      field({ source, name: 'imo', type: 'bigint' }),
      field({ source, name: 'tonnage', type: 'decimal' }),
      field({ source, name: 'arrived', type: 'timestamp' }),
      field({ source, name: 'owner.name' }),
      field({ source, name: 'crew[]', type: 'array' }),
      field({ source, name: 'crew[].age', type: 'int' }),
      field({ source, name: 'vessel_name' }),
      field({ source, name: 'vessel_nme', status: 'merged', mergedInto: 'vessel_name' }),
      field({ source, name: 'draft', status: 'candidate' }),
      field({ source, name: 'nul\u0000name' }),
      field({ source: 'other', name: 'x', type: 'int' }),
    ],
  };
  const { views, omitted } = buildViews(catalog);
  const hostileView = views.find((v) => v.source === source);

  beforeAll(async () => {
    ({ warehouse } = await migratedDatabase('query_views'));
    const rows = [
      {
        ...Object.fromEntries(HOSTILE.map((k, i) => [k, `v${i}`])),
        imo: 9074729,
        tonnage: 1234.5,
        arrived: '2026-11-20T09:00:00',
        owner: { name: 'Nested Ltd' },
        crew: [{ age: 31 }, { age: 'old' }, {}],
        vessel_name: 'Nordic Star',
      },
      { 'owner.name': 'Flat Ltd', imo: 'not a number', arrived: '2026-11-20T11:00:00+02:00', vessel_nme: 'Aurora' },
    ];
    for (const [i, data] of rows.entries()) {
      await warehouse.execute(
        `INSERT INTO structured_data (source, source_file, row_number, data, batch_id, source_key, ingested_at, valid_from)
         VALUES ($1::VARCHAR, 'f.csv', $2::BIGINT, $3::VARCHAR::JSON, 'b1', 'k', now(), now())`,
        [source, i + 1, JSON.stringify(data)],
      );
    }
    await warehouse.transaction((tx) => replaceViews(tx, null, { rule: 1, views, omitted }));
  });

  afterAll(async () => warehouse?.close());

  it('names each column after its field, one column per active field, deduplicated without regard to case', () => {
    expect(hostileView?.name).toBe(sourceViewName(source));
    expect(hostileView?.columns.map((c) => c.name)).toEqual([
      '$.root',
      '*',
      'IMO',
      'a/b~c',
      'arrived',
      'back\\slash',
      'crew[]',
      'crew[].age',
      'dots.in.name',
      'imo_2',
      'it\'s "quoted"',
      'line\nbreak',
      'owner.name',
      'tonnage',
      'vessel_name',
      "x'); DROP TABLE annotations; --",
      'ü名😀',
      '_source_file',
      '_row_number',
      '_batch_id',
      '_ingested_at',
    ]);
    expect(hostileView?.omitted).toEqual([
      { field: 'nul\u0000name', reason: 'the name "nul\\u0000name" holds a NUL character' },
    ]);
  });

  it('reads every hostile key back, typed, NULL where a value does not fit', async () => {
    const name = hostileView?.name as string;
    const [first, second] = await warehouse.query<Record<string, unknown>>(
      `SELECT * EXCLUDE (_ingested_at) FROM "${name}" ORDER BY _row_number`,
    );
    for (const [i, k] of HOSTILE.entries()) expect(first?.[k]).toBe(`v${i}`);
    expect(first).toMatchObject({
      imo_2: '9074729',
      tonnage: '1234.5000000000',
      'owner.name': 'Nested Ltd',
      'crew[].age': [31, null, null],
      vessel_name: 'Nordic Star',
      _source_file: 'f.csv',
      _row_number: '1',
    });
    expect((first?.arrived as Date | undefined)?.toISOString()).toBe('2026-11-20T09:00:00.000Z');
    expect(second).toMatchObject({ imo_2: null, 'owner.name': 'Flat Ltd', vessel_name: 'Aurora' });
    expect((second?.arrived as Date | undefined)?.toISOString()).toBe('2026-11-20T09:00:00.000Z');
  });

  it('describes each column with the type its definition says', async () => {
    for (const view of views) {
      const described = await warehouse.query<{ column_name: string; column_type: string }>(`DESCRIBE "${view.name}"`);
      expect(described.map((d) => [d.column_name, d.column_type])).toEqual(view.columns.map((c) => [c.name, c.type]));
    }
  });

  it('folds entity type aliases into annotations_current', async () => {
    await warehouse.execute(
      `INSERT INTO annotations (record_id, document_id, entity_type, "start", "end", text, status, annotated_at, batch_id, source_key, ingested_at, valid_from)
       VALUES ('r1', 'd1', 'SHIP_NAME', 0, 5, 'Aurora', 'submitted', now(), 'b', 'k', now(), now()),
              ('r2', 'd1', 'VESSEL_NAME', 0, 5, 'Aurora', 'submitted', now(), 'b', 'k', now(), now()),
              ('r3', 'd1', 'SHIP_NAME', 0, 5, 'Aurora', 'draft', now(), 'b', 'k', now(), now())`,
    );
    expect(
      await warehouse.query('SELECT record_id, entity_type, annotated_entity_type FROM annotations_current ORDER BY 1'),
    ).toEqual([
      { record_id: 'r1', entity_type: 'VESSEL_NAME', annotated_entity_type: 'SHIP_NAME' },
      { record_id: 'r2', entity_type: 'VESSEL_NAME', annotated_entity_type: 'VESSEL_NAME' },
    ]);
  });

  it('drops the views a later version no longer has, and replaces the others', async () => {
    const next = buildViews({ entityTypes: [], fields: [field({ source: 'other', name: 'y' })] });
    await warehouse.transaction((tx) => replaceViews(tx, { rule: 1, views, omitted }, next));
    const names = await warehouse.query<{ view_name: string }>(
      `SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
       AND (starts_with(view_name, 'src_') OR view_name = 'annotations_current') ORDER BY 1`,
    );
    expect(names.map((n) => n.view_name)).toEqual(['annotations_current', 'src_other']);
    expect(await warehouse.query('DESCRIBE src_other')).toMatchObject([{ column_name: 'y' }, {}, {}, {}, {}]);
  });
});
