// The pure parts of discovery, mostly as properties: similarity, the name index against brute force,
// conflict detection against all-pairs, catalog diffs, versions, the lifecycle, widening, the Slack digest,
// and how warehouse rows are parsed.

import fc from 'fast-check';
import { distance } from 'fastest-levenshtein';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISCOVERY_CONFIG,
  lifecycle,
  observedTypeNames,
  parseDiscoveryConfig,
  widen,
} from '../../lib/discovery/catalog.ts';
import { EntityConflictRow } from '../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { detectConflicts, detectConflictsNaively, NameIndex, pairKey } from '../../lib/discovery/conflicts.ts';
import { buildDigest } from '../../lib/discovery/digest.ts';
import { jsonPath } from '../../lib/discovery/observe.ts';
import { distancesFrom, normaliseName, similarity, wordKey } from '../../lib/discovery/similarity.ts';
import {
  applyChanges,
  bumpFor,
  type Catalog,
  canonicalCatalog,
  contentHash,
  diffCatalogs,
  nextSemver,
} from '../../lib/discovery/snapshot.ts';
import { parseDuckType } from '../../lib/ingest/duck-types.ts';
import { duckShapes, profileOf } from '../../lib/ingest/profile.ts';
import { retryAfterSeconds } from '../../lib/notify/slack.ts';
import { SLACK_LIMITS } from '../../lib/notify/slack-message.ts';
import { stringList } from '../../lib/warehouse/rows.ts';

const nameArb = fc
  .array(fc.constantFrom('vessel', 'vesel', 'name', 'names', 'imo', 'port', 'part', 'flag', 'state', 'id', 'x'), {
    minLength: 1,
    maxLength: 3,
  })
  .chain((words) =>
    fc
      .constantFrom('_', ' ', '-', '')
      .chain((sep) => fc.boolean().map((upper) => (upper ? words.join(sep).toUpperCase() : words.join(sep)))),
  );
const anyName = fc.oneof(
  nameArb,
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'e', 's', '_', ' '), minLength: 1, maxLength: 12 }),
);

describe('similarity', () => {
  it('is symmetric, within [0, 1], and 1 exactly for equal strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const s = similarity(a, b);
        expect(s).toBe(similarity(b, a));
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(s === 1).toBe(a === b);
      }),
    );
  });

  it('rests on a distance that obeys the triangle inequality', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        expect(distance(a, c)).toBeLessThanOrEqual(distance(a, b) + distance(b, c));
      }),
    );
  });

  it('normalises case, separators and plurals, and is idempotent', () => {
    expect(normaliseName('VESSEL_NAME')).toBe('vessel name');
    expect(normaliseName('vessel-names')).toBe('vessel name');
    expect(normaliseName('VesselName')).toBe('vessel name');
    expect(normaliseName('port.of.calls')).toBe('port of call');
    expect(wordKey(normaliseName('NAME_VESSEL'))).toBe(wordKey(normaliseName('vessel name')));
    fc.assert(
      fc.property(anyName, (n) => {
        expect(normaliseName(normaliseName(n))).toBe(normaliseName(n));
      }),
    );
  });
});

describe('the name index', () => {
  it('finds exactly what brute force finds at a threshold', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyName, { maxLength: 40 }),
        anyName,
        fc.double({ min: 0.3, max: 1, noNaN: true }),
        (names, query, threshold) => {
          const index = new NameIndex(names, threshold);
          const q = normaliseName(query);
          const found = index
            .similar(q)
            .map((r) => `${r.entry.name} ${r.distance}`)
            .sort();
          const brute = names
            .flatMap((n) => {
              const d = distance(normaliseName(n), q);
              return d > 0 && similarity(normaliseName(n), q) + 1e-12 >= threshold ? [`${n} ${d}`] : [];
            })
            .sort();
          expect(found).toEqual(brute);
        },
      ),
    );
  });

  it('finds near spellings among names that share most of their words', () => {
    // Few words, many names: the case where a trigram index degenerates into all pairs.
    const words = ['vessel', 'name', 'flag', 'state', 'port', 'call', 'sign', 'imo', 'number'];
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }).map((w) => w.join('_')),
          { maxLength: 60 },
        ),
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (names, queryWords, cut) => {
          const joined = queryWords.join(' ');
          const q = normaliseName(
            joined.slice(0, cut % (joined.length + 1)) + joined.slice((cut % (joined.length + 1)) + 1),
          );
          const found = new NameIndex(names)
            .similar(q)
            .map((r) => r.entry.name)
            .sort();
          const brute = names
            .filter((n) => normaliseName(n) !== q && similarity(normaliseName(n), q) + 1e-12 >= 0.85)
            .sort();
          expect(found).toEqual(brute);
        },
      ),
    );
  });
});

describe('bit-parallel distances', () => {
  it('equal fastest-levenshtein for any pattern and text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: 'binary' }), fc.array(fc.string({ maxLength: 40 })), (p, texts) => {
        const mine = distancesFrom(p, (to) => texts.map(to));
        expect(mine).toEqual(texts.map((t) => distance(p, t)));
      }),
    );
  });
});

describe('conflict detection', () => {
  it('does not flag numbered siblings, but still flags a number added to a name', () => {
    const pairs = (newNames: string[], knownNames: string[]) =>
      detectConflicts({ newNames, knownNames, aliases: new Map(), decidedPairs: new Set() }).map(
        (c) => `${c.newName} ~ ${c.existingName}`,
      );
    expect(pairs(['address_line_2', 'KEY_070'], ['address_line_1', 'key_007'])).toEqual([]);
    expect(pairs(['ENTITY_TYPE_5S'], ['ENTITY_TYPE_5'])).toEqual(['ENTITY_TYPE_5S ~ ENTITY_TYPE_5']);
    expect(pairs(['registered_owner_2'], ['registered_owner'])).toEqual(['registered_owner_2 ~ registered_owner']);
  });

  it('flags the same new-versus-known pairs as comparing all pairs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(anyName, { maxLength: 30 }),
        fc.uniqueArray(anyName, { maxLength: 10 }),
        (known, fresh) => {
          const newNames = fresh.filter((n) => !known.includes(n));
          const input = { newNames, knownNames: known, aliases: new Map(), decidedPairs: new Set<string>() };
          const knownSet = new Set(known);
          const indexed = detectConflicts(input)
            .filter(
              (c) =>
                knownSet.has(c.existingName) &&
                c.reasons.some((r) => r.kind === 'similar' || r.kind === 'same_after_normalising'),
            )
            .map((c) => pairKey(c.newName, c.existingName))
            .sort();
          const naive = detectConflictsNaively(input)
            .map((c) => pairKey(c.newName, c.existingName))
            .sort();
          expect(indexed).toEqual(naive);
        },
      ),
    );
  });

  it('raises the vessel names, not PORT/PART, and never a decided pair', () => {
    const input = {
      newNames: ['VESEL_NAME', 'vessel name', 'PART', 'FLAG_STATES'],
      knownNames: ['VESSEL_NAME', 'PORT', 'FLAG_STATE', 'IMO_NUMBER'],
      aliases: new Map<string, string>(),
      decidedPairs: new Set([pairKey('FLAG_STATES', 'FLAG_STATE')]),
    };
    const pairs = detectConflicts(input).map((c) => `${c.newName} -> ${c.existingName}`);
    expect(pairs.sort()).toEqual(
      ['VESEL_NAME -> VESSEL_NAME', 'vessel name -> VESEL_NAME', 'vessel name -> VESSEL_NAME'].sort(),
    );
  });

  it('explains itself: same words in another order, a past merge', () => {
    const [words] = detectConflicts({
      newNames: ['NAME_VESSEL'],
      knownNames: ['VESSEL_NAME'],
      aliases: new Map(),
      decidedPairs: new Set(),
    });
    expect(words?.reasons).toEqual([{ kind: 'same_words', words: 'name vessel' }]);
    const [alias] = detectConflicts({
      newNames: ['ship_names'],
      knownNames: ['VESSEL_NAME'],
      aliases: new Map([['SHIP_NAME', 'VESSEL_NAME']]),
      decidedPairs: new Set(),
    });
    expect(alias).toMatchObject({
      newName: 'ship_names',
      existingName: 'VESSEL_NAME',
      reasons: [{ kind: 'alias', alias: 'SHIP_NAME', of: 'VESSEL_NAME' }],
    });
  });

  it('raises a name close to a merged alias once, against the canonical name', () => {
    const found = detectConflicts({
      newNames: ['VESSEL_NME'],
      knownNames: ['VESSEL_NAME', 'VESSEL_NAMES', 'SHIP_NAME'],
      aliases: new Map([
        ['VESSEL_NAMES', 'VESSEL_NAME'],
        ['SHIP_NAME', 'VESSEL_NAME'],
      ]),
      decidedPairs: new Set(),
    });
    expect(found.map((c) => [c.newName, c.existingName])).toEqual([['VESSEL_NME', 'VESSEL_NAME']]);
    expect(found[0]?.reasons).toEqual([
      { kind: 'similar', similarity: 0.9091, distance: 1 },
      { kind: 'alias', alias: 'VESSEL_NAMES', of: 'VESSEL_NAME' },
    ]);
    // A cycle of aliases (which decisions no longer make, but a catalog may hold) ends the lookup.
    const cycle = detectConflicts({
      newNames: ['customer_idd'],
      knownNames: ['customer_id', 'client_id'],
      aliases: new Map([
        ['customer_id', 'client_id'],
        ['client_id', 'customer_id'],
      ]),
      decidedPairs: new Set(),
    });
    expect(cycle.map((c) => c.newName)).toEqual(['customer_idd']);
    // Decided against the canonical name, it is not raised again through the alias.
    const decided = new Set([pairKey('VESSEL_NME', 'VESSEL_NAME')]);
    expect(
      detectConflicts({
        newNames: ['VESSEL_NME'],
        knownNames: ['VESSEL_NAME', 'VESSEL_NAMES'],
        aliases: new Map([['VESSEL_NAMES', 'VESSEL_NAME']]),
        decidedPairs: decided,
      }),
    ).toEqual([]);
  });
});

const entryArb = fc.record({
  name: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
  status: fc.constantFrom('candidate', 'active', 'stale', 'rejected', 'merged' as const),
  description: fc.option(fc.constantFrom('x', 'y'), { nil: null }),
  mergedInto: fc.option(fc.constantFrom('A', 'B'), { nil: null }),
});
const fieldArb = fc.record({
  source: fc.constantFrom('s1', 's2'),
  name: fc.constantFrom('f', 'g', 'h'),
  kind: fc.constantFrom('structured', 'document_metadata' as const),
  type: fc.constantFrom('int', 'varchar'),
  status: fc.constantFrom('candidate', 'active' as const),
  description: fc.option(fc.constant('d'), { nil: null }),
  mergedInto: fc.constant(null),
});
const catalogArb: fc.Arbitrary<Catalog> = fc.record({
  entityTypes: fc.uniqueArray(entryArb, { selector: (e) => e.name, maxLength: 5 }),
  fields: fc.uniqueArray(fieldArb, { selector: (f) => `${f.source}.${f.name}`, maxLength: 6 }),
});

describe('catalog diffs and versions', () => {
  it('diff(a, a) is empty and applying diff(a, b) to a gives b', async () => {
    fc.assert(
      fc.property(catalogArb, catalogArb, (a, b) => {
        expect(diffCatalogs(a, a)).toEqual([]);
        expect(applyChanges(a, diffCatalogs(a, b))).toEqual(canonicalCatalog(b));
        expect(bumpFor(diffCatalogs(a, b)) === null).toBe(
          JSON.stringify(canonicalCatalog(a)) === JSON.stringify(canonicalCatalog(b)),
        );
      }),
    );
  });

  it('hashes the catalog, not the order it came in', async () => {
    await fc.assert(
      fc.asyncProperty(catalogArb, async (c) => {
        const shuffled = { entityTypes: [...c.entityTypes].reverse(), fields: [...c.fields].reverse() };
        expect(await contentHash(shuffled)).toBe(await contentHash(c));
      }),
    );
  });

  it('labels removals and renames MAJOR, additions MINOR, status and descriptions PATCH', () => {
    const e = (name: string, status: 'candidate' | 'active' | 'merged', mergedInto: string | null = null) => ({
      name,
      status,
      description: null,
      mergedInto,
    });
    const base: Catalog = { entityTypes: [e('A', 'active'), e('B', 'candidate')], fields: [] };
    expect(bumpFor(diffCatalogs(base, { ...base, entityTypes: [e('A', 'active')] }))).toBe('major');
    const renamed = diffCatalogs(base, { ...base, entityTypes: [e('A', 'merged', 'B'), e('B', 'candidate')] });
    expect(renamed).toEqual([expect.objectContaining({ change: 'renamed', to: 'B' })]);
    expect(bumpFor(renamed)).toBe('major');
    expect(bumpFor(diffCatalogs(base, { ...base, entityTypes: [...base.entityTypes, e('C', 'candidate')] }))).toBe(
      'minor',
    );
    expect(bumpFor(diffCatalogs(base, { ...base, entityTypes: [e('A', 'active'), e('B', 'merged', 'A')] }))).toBe(
      'patch',
    );
    expect(bumpFor(diffCatalogs(base, { ...base, entityTypes: [e('A', 'active'), e('B', 'active')] }))).toBe('patch');
    expect([nextSemver('0.0.0', 'minor'), nextSemver('1.4.2', 'patch'), nextSemver('1.4.2', 'major')]).toEqual([
      '0.1.0',
      '1.4.3',
      '2.0.0',
    ]);
  });
});

describe('the catalog rules', () => {
  const now = new Date('2026-11-21T00:00:00Z');
  const days = (n: number) => new Date(now.getTime() - n * 86_400_000);
  const config = DEFAULT_DISCOVERY_CONFIG;

  it('candidate until seen often enough, stale when unseen too long, decisions final', () => {
    // The fourth argument is the newest activity of the name's datasets (or source).
    expect(lifecycle('candidate', 2, days(1), days(1), config, now)).toBe('candidate');
    expect(lifecycle('candidate', 3, days(1), days(0), config, now)).toBe('active');
    expect(lifecycle('active', 9, days(31), days(0), config, now)).toBe('stale');
    expect(lifecycle('stale', 9, days(0), days(0), config, now)).toBe('active');
    expect(lifecycle('rejected', 99, days(0), days(0), config, now)).toBe('rejected');
    expect(lifecycle('merged', 99, days(0), days(0), config, now)).toBe('merged');
  });

  it('measures staleness against the newest activity of the dataset, not the clock alone', () => {
    // A backfill: seen often enough, only in old data, as recently as its dataset: active.
    expect(lifecycle('candidate', 9, days(200), days(190), config, now)).toBe('active');
    expect(lifecycle('candidate', 2, days(200), days(190), config, now)).toBe('candidate');
    // Its dataset went on without it for more than staleAfterDays.
    expect(lifecycle('candidate', 9, days(231), days(200), config, now)).toBe('stale');
    expect(lifecycle('active', 9, days(229), days(200), config, now)).toBe('active');
    // A dataset quiet as a whole keeps its names' status, up to datasetSilentDays.
    expect(lifecycle('active', 9, days(31), days(31), config, now)).toBe('active');
    expect(lifecycle('active', 9, days(365), days(364), config, now)).toBe('active');
    expect(lifecycle('active', 9, days(367), days(366), config, now)).toBe('stale');
    expect(lifecycle('candidate', 9, days(400), days(366), config, now)).toBe('stale');
    // A candidate never seen enough stays one, however old.
    expect(lifecycle('candidate', 2, days(400), days(366), config, now)).toBe('candidate');
    // Activity dated after the clock counts as now; unknown activity is the name's own last sighting.
    expect(lifecycle('active', 9, days(31), days(-10), config, now)).toBe('stale');
    expect(lifecycle('active', 9, days(20), days(-10), config, now)).toBe('active');
    expect(lifecycle('active', 9, days(31), null, config, now)).toBe('active');
    expect(lifecycle('active', 9, days(366), null, config, now)).toBe('stale');
    expect(lifecycle('active', 9, null, days(0), config, now)).toBe('active');
  });

  it('refuses a datasetSilentDays shorter than staleAfterDays, naming the key', () => {
    expect(() => parseDiscoveryConfig('{"staleAfterDays": 60, "datasetSilentDays": 30}')).toThrow(
      /DISCOVERY_CONFIG is invalid: .*datasetSilentDays must be at least staleAfterDays.*datasetSilentDays/s,
    );
    expect(parseDiscoveryConfig('{"datasetSilentDays": 90}').datasetSilentDays).toBe(90);
  });

  it('widens numbers int -> bigint -> decimal -> double, and anything else mixed to varchar', () => {
    expect(widen(['int'])).toBe('int');
    expect(widen(['int', 'bigint'])).toBe('bigint');
    expect(widen(['bigint', 'decimal'])).toBe('decimal');
    expect(widen(['int', 'double', 'decimal'])).toBe('double');
    expect(widen(['int', 'varchar'])).toBe('varchar');
    expect(widen(['date', 'timestamp'])).toBe('varchar');
    expect(widen(['object', 'array'])).toBe('varchar');
    // A type only ever seen as NULL says nothing about the values.
    expect(observedTypeNames({ int: 0, varchar: 5 })).toEqual(['varchar']);
    expect(observedTypeNames({ int: 0 })).toEqual(['int']);
  });

  it('reads DISCOVERY_CONFIG with defaults, and refuses a bad one readably', () => {
    expect(parseDiscoveryConfig(undefined)).toEqual(DEFAULT_DISCOVERY_CONFIG);
    expect(parseDiscoveryConfig('{"minOccurrences": 5}').minOccurrences).toBe(5);
    expect(() => parseDiscoveryConfig('{"minOccurrences": 0}')).toThrow(
      /DISCOVERY_CONFIG is invalid: .*minOccurrences/s,
    );
    expect(() => parseDiscoveryConfig('{"minOcurrences": 5}')).toThrow(/minOcurrences/);
    expect(() => parseDiscoveryConfig('{')).toThrow('DISCOVERY_CONFIG is not valid JSON');
  });

  it('profiles nested columns as dotted paths and keeps mismatched CSV values as varchar', () => {
    const shapes = duckShapes('owner', parseDuckType('STRUCT(name VARCHAR, ids INTEGER[], "a.b" DOUBLE)'));
    expect(shapes.map((s) => `${s.path}:${s.type}`)).toEqual([
      'owner:object',
      'owner.name:varchar',
      'owner.ids:array',
      'owner.ids[]:int',
      'owner.a.b:double',
    ]);
    const profile = profileOf(
      [{ name: 'n', shapes: duckShapes('n', parseDuckType('BIGINT')) }],
      10,
      new Map([['n', 2]]),
      new Map([['n', 3]]),
    );
    expect(profile).toEqual([
      { path: 'n', type: 'bigint', rows: 7, nulls: 2 },
      { path: 'n', type: 'varchar', rows: 3, nulls: 0 },
    ]);
    expect(jsonPath('owner.ids[]')).toBe('$."owner"."ids"[0]');
    expect(jsonPath('say "hi"')).toBe('$."say \\"hi\\""');
    expect(jsonPath('x\ny[]')).toBe('$."x\ny"[0]');
  });
});

describe('the Slack digest', () => {
  const conflict = (i: number) => ({
    id: `c${i}`,
    kind: 'entity_type' as const,
    source: '',
    newName: `NAME_${i}<script>&`,
    existingName: `NAME_${i}X`,
    score: 0.9,
    reasons: [{ kind: 'similar' as const, similarity: 0.9, distance: 1 }],
  });

  it('stays inside Slack’s limits however much a run found, and says what it left out', () => {
    const message = buildDigest({
      runId: 'run-1',
      publicUrl: 'https://schema.example.com/',
      loads: 12,
      snapshot: { version: 7, semver: '1.3.0', bump: 'minor', changes: 900 },
      newEntityTypes: Array.from({ length: 500 }, (_, i) => ({
        name: `TYPE_${i}`,
        status: 'candidate',
        description: 'x'.repeat(300),
      })),
      newFields: Array.from({ length: 400 }, (_, i) => ({ source: 'registry', name: `field_${i}`, type: 'int' })),
      conflicts: Array.from({ length: 300 }, (_, i) => conflict(i)),
      maxConflicts: 10,
    });
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    for (const block of message.blocks) {
      const texts = [
        (block as { text?: { text: string } }).text?.text,
        ...((block as { elements?: { text: { text: string } | string }[] }).elements ?? []).map((e) =>
          typeof e.text === 'string' ? e.text : e.text.text,
        ),
      ].filter((t): t is string => t !== undefined);
      for (const t of texts)
        expect(t.length).toBeLessThanOrEqual(block.type === 'header' ? SLACK_LIMITS.header : SLACK_LIMITS.text);
    }
    const text = JSON.stringify(message);
    expect(text).toContain('more conflicts: see the review queue');
    expect(text).toMatch(/…and \d+ more/);
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;&amp;');
    expect(text).toContain('https://schema.example.com/conflicts/c0');
    expect(message.text).toMatch(/^Schema v7 published \(1\.3\.0, minor\): 12 new loads/);
  });

  it('reads Retry-After as seconds or a date, within bounds', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds(null, now)).toBe(60);
    expect(retryAfterSeconds('Sat, 21 Nov 2026 00:02:00 GMT', now)).toBe(120);
    expect(retryAfterSeconds('999999', now)).toBe(3600);
    expect(retryAfterSeconds('soon', now)).toBe(60);
  });
});

describe('warehouse rows', () => {
  const conflictRow = {
    id: 'c1',
    kind: 'field',
    source: 'registry',
    new_name: 'gross_tonage',
    existing_name: 'gross_tonnage',
    score: '0.9231',
    reasons: '[{"kind":"similar","similarity":0.9231,"distance":1}]',
    status: 'open',
    decision: null,
    decided_by: null,
    decided_at: null,
    note: null,
    detected_at: new Date('2026-11-21T12:00:00Z'),
    run_id: 'run-1',
  };

  it('parses a row as the SQL returns it: numbers, instants and JSON text become values', () => {
    expect(EntityConflictRow.parse(conflictRow)).toEqual({
      ...conflictRow,
      score: 0.9231,
      reasons: [{ kind: 'similar', similarity: 0.9231, distance: 1 }],
    });
    expect(stringList.parse(null)).toEqual([]);
    expect(stringList.parse('null')).toEqual([]);
    expect(stringList.parse('["alice","bob"]')).toEqual(['alice', 'bob']);
  });

  it('refuses a row that does not match its table, naming the column', () => {
    const bad = EntityConflictRow.safeParse({ ...conflictRow, status: 'pending', reasons: '[{"kind":"guess"}]' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path[0]).sort()).toEqual(['reasons', 'status']);
    expect(stringList.safeParse('[1, 2]').success).toBe(false);
  });
});
