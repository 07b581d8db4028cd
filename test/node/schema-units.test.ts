import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SnapshotRow } from '../../lib/discovery/catalog-tables/schema-snapshots.ts';
import type { Catalog, Change } from '../../lib/discovery/snapshot.ts';
import { silentLogger } from '../../lib/log.ts';
import { CURRENT_KEY, decodeEntry, publishToCache, syncCache } from '../../lib/schema/cache.ts';
import { parseInstant } from '../../lib/schema/instant.ts';
import { diffSnapshots, documentOf, eventsFor, historyOf } from '../../lib/schema/read.ts';
import { etagFor, matchesEtag } from '../../lib/schema/serve.ts';
import { SERVICE } from '../../lib/version.ts';

const iso = (d: Date | { error: string }) => (d instanceof Date ? d.toISOString() : d);

describe('parseInstant', () => {
  it('reads a date as the end of that day in UTC, and date-times with Z or an offset', () => {
    expect(iso(parseInstant('2026-11-21'))).toBe('2026-11-21T23:59:59.999Z');
    expect(iso(parseInstant('2024-02-29'))).toBe('2024-02-29T23:59:59.999Z');
    expect(iso(parseInstant('2026-11-21T10:15Z'))).toBe('2026-11-21T10:15:00.000Z');
    expect(iso(parseInstant('2026-11-21T10:15:30.5Z'))).toBe('2026-11-21T10:15:30.500Z');
    expect(iso(parseInstant('2026-11-21T10:15:30.123456z'))).toBe('2026-11-21T10:15:30.123Z');
    expect(iso(parseInstant('2026-11-21T01:00:00+02:00'))).toBe('2026-11-20T23:00:00.000Z');
    expect(iso(parseInstant('2026-11-21T23:30:00-01:30'))).toBe('2026-11-22T01:00:00.000Z');
  });

  it('refuses anything else, listing the accepted forms', () => {
    const forms =
      'accepted: YYYY-MM-DD (the end of that day, UTC: 23:59:59.999Z), or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or ±HH:MM';
    for (const text of [
      '2026-02-30',
      '2025-02-29',
      '2026-13-01',
      '2026-11-21T10:00:00',
      '2026-11-21 10:00Z',
      '2026-11-21T24:00Z',
      '2026-11-21T10:60Z',
      '2026-11-21T10:00+24:00',
      '1763719200000',
      'now',
      '',
    ]) {
      expect(parseInstant(text), text).toEqual({ error: `not an instant: ${JSON.stringify(text)}; ${forms}` });
    }
  });
});

const catalog: Catalog = {
  entityTypes: [
    { name: 'VESEL_NAME', status: 'merged', description: null, mergedInto: 'VESSEL_NAME' },
    { name: 'VESSEL_NAME', status: 'active', description: 'Ship names', mergedInto: null },
  ],
  fields: [
    {
      source: 'ocr',
      name: 'owner.name',
      kind: 'document_metadata',
      type: 'varchar',
      status: 'active',
      description: null,
      mergedInto: null,
    },
    {
      source: 'registry',
      name: 'i"mo\'s',
      kind: 'structured',
      type: 'bigint',
      status: 'candidate',
      description: null,
      mergedInto: null,
    },
    {
      source: 'registry',
      name: 'ports[]',
      kind: 'structured',
      type: 'varchar',
      status: 'merged',
      description: null,
      mergedInto: 'i"mo\'s',
    },
  ],
};

function row(overrides: Partial<SnapshotRow> = {}): SnapshotRow {
  return {
    version: 3,
    semver: '0.3.0',
    bump: 'minor',
    publishedAt: new Date('2026-11-21T12:00:00.000Z'),
    catalog,
    diff: [],
    contentHash: 'h3',
    previousHash: 'h2',
    runId: 'run-3',
    stats: null,
    views: null,
    ...overrides,
  };
}

describe('documentOf', () => {
  it('adds aliases from other entries’ mergedInto, locations with the path quoted, and null stats for old snapshots', () => {
    const d = documentOf(row());
    expect(d.entityTypes.map((e) => [e.name, e.aliases, e.stats])).toEqual([
      ['VESEL_NAME', [], null],
      ['VESSEL_NAME', ['VESEL_NAME'], null],
    ]);
    expect(d.fields.map((f) => [f.name, f.aliases, f.location])).toEqual([
      [
        'owner.name',
        [],
        {
          table: 'raw_documents',
          column: 'metadata',
          jsonPath: '$."owner"."name"',
          sql: `json_extract_string(metadata, '$."owner"."name"')`,
        },
      ],
      [
        'i"mo\'s',
        ['ports[]'],
        {
          table: 'structured_data',
          column: 'data',
          jsonPath: '$."i\\"mo\'s"',
          sql: `json_extract_string(data, '$."i\\"mo''s"')`,
        },
      ],
      [
        'ports[]',
        [],
        {
          table: 'structured_data',
          column: 'data',
          jsonPath: '$."ports"[0]',
          sql: `json_extract_string(data, '$."ports"[0]')`,
        },
      ],
    ]);
    expect([d.version, d.publishedAt, d.contentHash, d.previousHash]).toEqual([
      3,
      '2026-11-21T12:00:00.000Z',
      'h3',
      'h2',
    ]);
  });

  it('takes each name’s stats from the snapshot, null for a name the stats miss', () => {
    const stats = {
      entityTypes: [
        {
          name: 'VESSEL_NAME',
          occurrences: 4,
          documents: 3,
          proposals: 1,
          firstSeen: null,
          lastSeen: null,
          examples: ['Ever Given'],
        },
      ],
      fields: [
        {
          source: 'registry',
          name: 'ports[]',
          occurrences: 5,
          nulls: 0,
          loads: 2,
          firstSeen: '2026-11-20T00:00:00.000Z',
          lastSeen: '2026-11-21T00:00:00.000Z',
          examples: ['SGSIN'],
          observedTypes: { varchar: 5 },
        },
      ],
    };
    const d = documentOf(row({ stats }));
    expect(d.entityTypes.map((e) => e.stats)).toEqual([
      null,
      { occurrences: 4, documents: 3, proposals: 1, firstSeen: null, lastSeen: null, examples: ['Ever Given'] },
    ]);
    expect(d.fields.map((f) => f.stats?.loads ?? null)).toEqual([null, null, 2]);
  });
});

const added = (name: string) => ({
  change: 'added' as const,
  key: { kind: 'entity_type' as const, name },
  entry: { name, status: 'candidate' as const, description: null, mergedInto: null },
  reason: `entity type ${name} first seen`,
});

describe('name history', () => {
  const v = (version: number, diff: Change[]) => ({
    version,
    semver: `0.${version}.0`,
    publishedAt: new Date(Date.UTC(2026, 10, version)),
    diff,
  });
  const rows = [
    v(2, [
      { change: 'renamed', key: { kind: 'entity_type', name: 'VESEL_NAME' }, to: 'VESSEL_NAME', reason: 'r' },
      {
        change: 'changed',
        key: { kind: 'entity_type', name: 'VESSEL_NAME' },
        attribute: 'status',
        from: 'candidate',
        to: 'active',
        reason: 's',
      },
    ]),
    v(1, [added('VESEL_NAME'), added('VESSEL_NAME')]),
    v(3, [
      {
        change: 'removed',
        key: { kind: 'entity_type', name: 'VESEL_NAME' },
        entry: added('x').entry,
        reason: 'gone',
      } as Change,
    ]),
  ];

  it('tells appearances, status changes, merges (both sides) and removals, oldest first', () => {
    expect(historyOf({ kind: 'entity_type', name: 'VESSEL_NAME' }, rows)).toEqual([
      {
        version: 1,
        semver: '0.1.0',
        publishedAt: '2026-11-01T00:00:00.000Z',
        events: [
          { event: 'appeared', entry: added('VESSEL_NAME').entry, reason: 'entity type VESSEL_NAME first seen' },
        ],
      },
      {
        version: 2,
        semver: '0.2.0',
        publishedAt: '2026-11-02T00:00:00.000Z',
        events: [
          { event: 'merge_target', alias: 'VESEL_NAME', reason: 'r' },
          { event: 'status_changed', from: 'candidate', to: 'active', reason: 's' },
        ],
      },
    ]);
    expect(
      historyOf({ kind: 'entity_type', name: 'VESEL_NAME' }, rows).map((h) => h.events.map((e) => e.event)),
    ).toEqual([['appeared'], ['merged_into'], ['removed']]);
    expect(historyOf({ kind: 'entity_type', name: 'NOPE' }, rows)).toEqual([]);
  });

  it('reads a candidate’s merge (mergedInto changed) as merged_into and merge_target, and a field only within its source', () => {
    const merge: Change = {
      change: 'changed',
      key: { kind: 'field', source: 'a', name: 'imo_no' },
      attribute: 'mergedInto',
      from: null,
      to: 'imo',
      reason: 'm',
    };
    expect(eventsFor({ kind: 'field', source: 'a', name: 'imo_no' }, merge)).toEqual([
      { event: 'merged_into', into: 'imo', reason: 'm' },
    ]);
    expect(eventsFor({ kind: 'field', source: 'a', name: 'imo' }, merge)).toEqual([
      { event: 'merge_target', alias: 'imo_no', reason: 'm' },
    ]);
    expect(eventsFor({ kind: 'field', source: 'b', name: 'imo' }, merge)).toEqual([]);
    expect(eventsFor({ kind: 'entity_type', name: 'imo' }, merge)).toEqual([]);
  });
});

describe('diffSnapshots', () => {
  const older = row({ version: 1, catalog: { entityTypes: [], fields: [] }, contentHash: 'h1' });
  it('diffs forward (minor for additions) and backward (major: the additions are removals)', () => {
    const forward = diffSnapshots(older, row());
    expect([forward.direction, forward.bump, forward.changes.map((c) => c.change)]).toEqual([
      'forward',
      'minor',
      ['added', 'added', 'added', 'added', 'added'],
    ]);
    const backward = diffSnapshots(row(), older);
    expect([backward.direction, backward.bump, backward.from.version, backward.to.version]).toEqual([
      'backward',
      'major',
      3,
      1,
    ]);
    expect(diffSnapshots(older, older)).toMatchObject({ direction: 'same', bump: null, changes: [] });
  });
});

describe('ETags', () => {
  it('is the quoted content hash, suffixed for other formats, matched weakly and in lists', () => {
    expect([etagFor('abc', 'json'), etagFor('abc', 'markdown'), etagFor('abc', 'prompt', 500)]).toEqual([
      '"abc"',
      '"abc-markdown"',
      '"abc-prompt-500"',
    ]);
    expect(['"abc"', 'W/"abc"', '"x", "abc"', '*', '"abd"', undefined].map((h) => matchesEtag(h, '"abc"'))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});

describe('the schema cache', () => {
  function memory() {
    const puts: string[] = [];
    const map = new Map<string, string>();
    return {
      puts,
      map,
      port: {
        get: async (k: string) => map.get(k) ?? null,
        put: async (k: string, v: string) => {
          puts.push(k);
          map.set(k, v);
        },
      },
    };
  }

  it('writes a version’s forms before the pointer, and syncs a pointer that names another version', async () => {
    const kv = memory();
    const d = documentOf(row());
    expect(await publishToCache(kv.port, d, silentLogger)).toEqual({
      version: 3,
      written: ['json', 'markdown', 'mermaid', 'zod', 'json-schema', 'prompt'],
      failed: [],
      pointer: true,
    });
    expect(kv.puts).toEqual([
      ...['json', 'markdown', 'mermaid', 'zod', 'json-schema', 'prompt'].map((f) => `schema/v/3/${f}`),
      CURRENT_KEY,
    ]);
    expect(JSON.parse(kv.map.get(CURRENT_KEY) as string)).toEqual({
      version: 3,
      contentHash: 'h3',
      publishedAt: '2026-11-21T12:00:00.000Z',
    });
    expect(decodeEntry(kv.map.get('schema/v/3/json') as string)).toEqual({
      contentHash: 'h3',
      contentType: 'application/json; charset=utf-8',
      body: `${JSON.stringify(d, null, 2)}\n`,
    });
    expect(await syncCache(kv.port, async () => d, silentLogger)).toBeNull();
    const d4 = documentOf(row({ version: 4, contentHash: 'h4' }));
    expect(await syncCache(kv.port, async () => d4, silentLogger)).toMatchObject({ version: 4, pointer: true });
    expect(JSON.parse(kv.map.get(CURRENT_KEY) as string).version).toBe(4);
  });

  it('reports a failed write instead of throwing', async () => {
    const port = {
      get: async () => null,
      put: async () => {
        throw new Error('down');
      },
    };
    expect(await publishToCache(port, documentOf(row()), silentLogger)).toEqual({
      version: 3,
      written: [],
      failed: ['json', 'markdown', 'mermaid', 'zod', 'json-schema', 'prompt'],
      pointer: false,
    });
  });
});

it('GET /version’s constant matches package.json', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  expect(SERVICE).toEqual({ name: pkg.name, version: pkg.version });
});
