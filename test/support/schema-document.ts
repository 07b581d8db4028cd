// Builders of schema documents (lib/schema/document.ts) with overrides, for the format tests.

import { jsonPath } from '../../lib/discovery/observe.ts';
import { buildViews } from '../../lib/query/views.ts';
import type { SchemaDocument, SchemaEntityType, SchemaField } from '../../lib/schema/document.ts';
import { quoteLiteral } from '../../lib/warehouse/sql.ts';

export function entityType(overrides: Partial<SchemaEntityType> & { name: string }): SchemaEntityType {
  return {
    status: 'active',
    description: null,
    mergedInto: null,
    aliases: [],
    stats: {
      occurrences: 10,
      documents: 4,
      proposals: 0,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-02T00:00:00.000Z',
      examples: [],
    },
    ...overrides,
  };
}

export function field(overrides: Partial<SchemaField> & { name: string }): SchemaField {
  const kind = overrides.kind ?? 'structured';
  const column = kind === 'structured' ? 'data' : 'metadata';
  const path = jsonPath(overrides.name);
  return {
    source: 'manifests',
    kind,
    type: 'varchar',
    status: 'active',
    description: null,
    mergedInto: null,
    aliases: [],
    stats: {
      occurrences: 5,
      nulls: 0,
      loads: 1,
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-02T00:00:00.000Z',
      examples: [],
      observedTypes: { [overrides.type ?? 'varchar']: 5 },
    },
    location: {
      table: kind === 'structured' ? 'structured_data' : 'raw_documents',
      column,
      jsonPath: path,
      sql: `json_extract_string(${column}, ${quoteLiteral(path)})`,
    },
    ...overrides,
  };
}

export function schemaDocument(overrides: Partial<SchemaDocument> = {}): SchemaDocument {
  return {
    version: 1,
    semver: '1.0.0',
    bump: 'minor',
    publishedAt: '2026-01-02T03:04:05.000Z',
    contentHash: 'c0ffee',
    previousHash: null,
    entityTypes: [],
    fields: [],
    views: [],
    omittedViews: [],
    ...overrides,
  };
}

/** The document with the views its catalog defines (as documentOf gives them). */
export function withViews(doc: SchemaDocument): SchemaDocument {
  const { views, omitted } = buildViews(doc);
  return { ...doc, views, omittedViews: omitted };
}

/** Version 1 and 2 of a small maritime schema: v2 adds a field (`flag`) and an entity type. */
export function twoVersions(): [SchemaDocument, SchemaDocument] {
  const v1 = schemaDocument({
    entityTypes: [
      entityType({ name: 'IMO_NUMBER', stats: { ...baseStats(40), examples: ['9074729'] } }),
      entityType({
        name: 'VESSEL_NAME',
        aliases: ['SHIP_NAME'],
        stats: { ...baseStats(12), examples: ['Ever Given'] },
      }),
      entityType({ name: 'SHIP_NAME', status: 'merged', mergedInto: 'VESSEL_NAME', stats: null }),
    ],
    fields: [
      field({ name: 'imo', type: 'bigint', stats: fieldStats(30, 'bigint', ['9074729']) }),
      field({ name: 'vessel', stats: fieldStats(30, 'varchar', ['Ever Given']) }),
      field({ name: 'gross_tonnage', type: 'double', stats: fieldStats(20, 'double', ['220940.5']) }),
      field({ name: 'arrived', type: 'date', stats: fieldStats(10, 'date', ['2026-01-01']) }),
      field({ name: 'inspected', type: 'boolean', stats: null }),
    ],
  });
  const v2 = schemaDocument({
    version: 2,
    semver: '1.1.0',
    publishedAt: '2026-02-01T00:00:00.000Z',
    contentHash: 'beef02',
    previousHash: 'c0ffee',
    entityTypes: [...v1.entityTypes, entityType({ name: 'FLAG_STATE', stats: baseStats(3) })].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ),
    fields: [...v1.fields, field({ name: 'flag', stats: fieldStats(8, 'varchar', ['PA']) })].sort((a, b) =>
      a.name < b.name ? -1 : 1,
    ),
  });
  return [withViews(v1), withViews(v2)];
}

function baseStats(occurrences: number): NonNullable<SchemaEntityType['stats']> {
  return { occurrences, documents: 1, proposals: 0, firstSeen: null, lastSeen: null, examples: [] };
}

export function fieldStats(occurrences: number, type: string, examples: string[]): NonNullable<SchemaField['stats']> {
  return {
    occurrences,
    nulls: 0,
    loads: 1,
    firstSeen: null,
    lastSeen: null,
    examples,
    observedTypes: { [type]: occurrences },
  };
}
