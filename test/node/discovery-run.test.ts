// Discovery runs against the real warehouse, with data loaded through the real consumer: what the catalog
// holds after a run, what a second run (nothing new) does, decisions, and runs racing each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listConflicts } from '../../lib/discovery/catalog-tables/entity-conflicts.ts';
import { readEntityRows } from '../../lib/discovery/catalog-tables/entity-types.ts';
import { readFieldRows } from '../../lib/discovery/catalog-tables/field-definitions.ts';
import { decideConflict } from '../../lib/discovery/decide.ts';
import { runDiscovery } from '../../lib/discovery/run.ts';
import { acquireLock, fenceLock, LockLostError, releaseLock } from '../../lib/discovery/runs.ts';
import type { AppError } from '../../lib/errors.ts';
import type { Warehouse } from '../../lib/warehouse/port.ts';
import { migratedDatabase } from '../support/databases.ts';
import { discoveryDeps as deps, type Sent, succeeded } from '../support/discovery-deps.ts';
import {
  annotationsSql,
  EXPECTED_CONFLICTS,
  VESSEL_ANNOTATIONS,
  VESSEL_REGISTRY,
} from '../support/discovery-fixtures.ts';
import { ingestFiles } from '../support/node-loads.ts';

const DAY1 = new Date('2026-11-20T12:00:00Z');
const DAY2 = new Date('2026-11-21T12:00:00Z');

const snapshots = (w: Warehouse) =>
  w.query<{ version: number; semver: string; bump: string; content_hash: string; previous_hash: string | null }>(
    'SELECT version, semver, bump, content_hash, previous_hash FROM schema_snapshots ORDER BY version',
  );

describe('a discovery run over the vessel scenario', () => {
  let warehouse: Warehouse;
  const sent: Sent[] = [];

  beforeAll(async () => {
    ({ warehouse } = await migratedDatabase('discovery_run'));
    await ingestFiles(warehouse, [VESSEL_ANNOTATIONS, VESSEL_REGISTRY[0] as never], DAY1);
    await ingestFiles(warehouse, [VESSEL_REGISTRY[1] as never], DAY2);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('catalogs entity types, fields and conflicts, and publishes v1 with one Slack message', async () => {
    const report = succeeded(await runDiscovery(deps(warehouse, DAY2, { sent }), { trigger: 'cron', full: false }));
    expect(report.loads).toBe(3);

    const entities = await readEntityRows(warehouse);
    const byName = new Map(entities.map((e) => [e.name, e]));
    expect([...byName.keys()].sort()).toEqual(
      ['CALL_SIGN', 'FLAG_STATE', 'IMO_NUMBER', 'PART', 'PORT', 'VESEL_NAME', 'VESSEL_NAME', 'vessel name'].sort(),
    );
    expect(byName.get('VESSEL_NAME')).toMatchObject({
      status: 'active',
      occurrences: 4,
      documents: 4,
      annotators: ['alice', 'bob'],
      datasets: ['vessels'],
      examples: ['Ever Given', 'Maersk Alabama', 'MSC Oscar'],
    });
    expect(byName.get('VESSEL_NAME')?.description).toBe(
      'Entity type annotated by subject-matter experts, e.g. “Ever Given”, “Maersk Alabama”, “MSC Oscar”.',
    );
    expect(byName.get('FLAG_STATE')).toMatchObject({ status: 'candidate', occurrences: 2 });
    expect(byName.get('CALL_SIGN')).toMatchObject({ status: 'candidate', occurrences: 0, proposals: 1, documents: 1 });
    expect(byName.has('DRAFT_ONLY')).toBe(false);

    const fields = await readFieldRows(warehouse);
    const f = (name: string) => fields.find((x) => x.source === 'registry' && x.name === name);
    expect(fields.map((x) => x.name).sort()).toEqual(
      [
        'flag',
        'flag_state',
        'gross_tonage',
        'gross_tonnage',
        'imo',
        'name',
        'owner',
        'owner.country',
        'owner.name',
      ].sort(),
    );
    // int in the first file, bigint in the second: widened, both reported.
    expect(f('imo')).toMatchObject({ inferredType: 'bigint', observedTypes: { int: 8, bigint: 5 }, loadCount: 2 });
    expect(f('flag')).toMatchObject({ inferredType: 'varchar', occurrenceCount: 11, nullCount: 2 });
    expect(f('owner')).toMatchObject({ inferredType: 'object', loadCount: 1 });
    expect(f('owner.name')?.examples).toEqual(['Owner 0', 'Owner 1', 'Owner 2']);
    expect(f('gross_tonnage')?.firstSeen).toEqual(DAY1);
    expect(f('flag_state')?.firstSeen).toEqual(DAY2);

    const conflicts = await listConflicts(warehouse, { limit: 100 });
    expect(
      conflicts
        .map((c) => ({ kind: c.kind, source: c.source, newName: c.newName, existingName: c.existingName }))
        .sort((a, b) => `${a.newName}${a.existingName}`.localeCompare(`${b.newName}${b.existingName}`)),
    ).toEqual(
      [...EXPECTED_CONFLICTS].sort((a, b) =>
        `${a.newName}${a.existingName}`.localeCompare(`${b.newName}${b.existingName}`),
      ),
    );
    for (const c of conflicts) expect(c.reasons.length).toBeGreaterThan(0);

    expect(await snapshots(warehouse)).toEqual([
      expect.objectContaining({ version: 1, semver: '0.1.0', bump: 'minor', previous_hash: null }),
    ]);
    expect(report.snapshot).toMatchObject({ version: 1, semver: '0.1.0' });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body.text).toContain('Schema v1 published');
    expect(report.slack).toMatchObject({ queued: true, sent: 1 });
  });

  it('changes nothing, publishes nothing and sends nothing when run again', async () => {
    const before = await readEntityRows(warehouse);
    const report = succeeded(await runDiscovery(deps(warehouse, DAY2, { sent }), { trigger: 'cron', full: false }));
    expect(report).toMatchObject({ loads: 0, snapshot: null, conflicts: [] });
    expect(report.entityTypes.written).toBe(0);
    expect(await readEntityRows(warehouse)).toEqual(before);
    expect(await snapshots(warehouse)).toHaveLength(1);
    expect(sent).toHaveLength(1);
  });

  it('a full run finds the same catalog as the incremental ones', async () => {
    const [entities, fields] = [await readEntityRows(warehouse), await readFieldRows(warehouse)];
    const report = succeeded(await runDiscovery(deps(warehouse, DAY2, { sent }), { trigger: 'api', full: true }));
    expect(report).toMatchObject({ snapshot: null, conflicts: [] });
    expect(await readEntityRows(warehouse)).toEqual(entities);
    expect(await readFieldRows(warehouse)).toEqual(fields);
  });

  it('publishes a merge decision as v2 (PATCH: a candidate became an alias), chained to v1', async () => {
    const [conflict] = (await listConflicts(warehouse, { status: 'open', limit: 100 })).filter(
      (c) => c.newName === 'VESEL_NAME',
    );
    const decided = await decideConflict(
      warehouse,
      conflict?.id as string,
      { decision: 'merge', by: 'maria@example.com' },
      DAY2,
    );
    expect(decided.effect).toBe("entity type 'VESEL_NAME' is now an alias of 'VESSEL_NAME'");
    expect(decided.conflict).toMatchObject({ status: 'merged', decision: 'merge', decidedBy: 'maria@example.com' });
    await expect(
      decideConflict(warehouse, conflict?.id as string, { decision: 'reject', by: 'someone' }, DAY2),
    ).rejects.toThrow(/already decided/);

    const report = succeeded(await runDiscovery(deps(warehouse, DAY2, { sent }), { trigger: 'cron', full: false }));
    expect(report.snapshot).toMatchObject({ version: 2, semver: '0.1.1', bump: 'patch', changes: 2 });
    const [v1, v2] = await snapshots(warehouse);
    expect(v2?.previous_hash).toBe(v1?.content_hash);
    expect(sent).toHaveLength(2);
    // Merged names stay merged, whatever the next observations say.
    expect((await readEntityRows(warehouse)).find((e) => e.name === 'VESEL_NAME')).toMatchObject({
      status: 'merged',
      mergedInto: 'VESSEL_NAME',
    });
  });
});

describe('runs racing each other', () => {
  let warehouse: Warehouse;

  beforeAll(async () => {
    ({ warehouse } = await migratedDatabase('discovery_race'));
    await ingestFiles(warehouse, [VESSEL_ANNOTATIONS, ...VESSEL_REGISTRY], DAY1);
  });
  afterAll(async () => {
    await warehouse.close();
  });

  it('two concurrent runs: one does the work, the other finds the lock taken; exactly one v1', async () => {
    const outcomes = await Promise.all([
      runDiscovery(deps(warehouse, DAY1), { trigger: 'cron', full: false }),
      runDiscovery(deps(warehouse, DAY1), { trigger: 'queue', full: false }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['busy', 'succeeded']);
    expect((await snapshots(warehouse)).map((s) => s.version)).toEqual([1]);
    const runs = await warehouse.query<{ status: string }>('SELECT status FROM discovery_runs ORDER BY status');
    expect(runs.map((r) => r.status)).toEqual(['skipped', 'succeeded']);
  });

  it('a run that stalls inside its transaction keeps even an expired lock until it commits', async () => {
    await ingestFiles(
      warehouse,
      [{ bucket: 'vessel-csv', key: 'registry/extra.parquet', sql: `SELECT 1 AS call_sign_code` }],
      DAY1,
    );
    let release = () => {};
    let entered = () => {};
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = runDiscovery(
      deps(warehouse, DAY1, {
        config: { lockSeconds: 10 },
        describe: async () => {
          entered();
          await gate;
          return null;
        },
      }),
      { trigger: 'cron', full: false },
    );
    await inside;
    // An hour later the lock has expired, but the stalled run's transaction still holds its row.
    const later = new Date(DAY1.getTime() + 3_600_000);
    const other = await runDiscovery(deps(warehouse, later), { trigger: 'cron', full: false });
    expect(other.status).toBe('busy');
    release();
    expect((await slow).status).toBe('succeeded');
    const versions = (await snapshots(warehouse)).map((s) => s.version);
    expect(versions).toEqual([1, 2]);
  });

  it('a run whose lock was taken over cannot publish', async () => {
    let fences = 0;
    const fence = () => `fence-${++fences}`;
    const now = new Date(DAY1.getTime() + 7_200_000);
    expect(await acquireLock(warehouse, 'run-a', now, 10, fence)).toEqual({ acquired: true });
    const later = new Date(now.getTime() + 60_000);
    expect(await acquireLock(warehouse, 'run-b', later, 10, fence)).toEqual({ acquired: true });
    await expect(warehouse.transaction((tx) => fenceLock(tx, 'run-a', later, 10, fence))).rejects.toThrow(
      LockLostError,
    );
    await releaseLock(warehouse, 'run-a');
    expect(await acquireLock(warehouse, 'run-c', later, 10, fence)).toMatchObject({ acquired: false, holder: 'run-b' });
    await releaseLock(warehouse, 'run-b');
  });
});

describe('field conflicts and the columns of one file', () => {
  it('does not flag two columns of one file as one field spelt twice, but flags a later file’s misspelling', async () => {
    const { warehouse } = await migratedDatabase('discovery_siblings');
    try {
      const stats = (key: string, sql: string) => ({ bucket: 'vessel-csv' as const, key: `lots/${key}`, sql });
      await ingestFiles(
        warehouse,
        [stats('one.parquet', `SELECT {'minimum': 1, 'maximum': 9} AS lot_size_sqft, 'a' AS parcel_name`)],
        DAY1,
      );
      const first = succeeded(await runDiscovery(deps(warehouse, DAY1), { trigger: 'cron', full: false }));
      expect(first.fields.new.map((f) => f.name).sort()).toEqual([
        'lot_size_sqft',
        'lot_size_sqft.maximum',
        'lot_size_sqft.minimum',
        'parcel_name',
      ]);
      expect(first.conflicts).toEqual([]);

      await ingestFiles(warehouse, [stats('two.parquet', `SELECT {'minimun': 2} AS lot_size_sqft`)], DAY2);
      const second = succeeded(await runDiscovery(deps(warehouse, DAY2), { trigger: 'cron', full: false }));
      // A name from another file is judged on its spelling alone, closest first.
      expect(second.conflicts.map((c) => [c.newName, c.existingName])).toEqual([
        ['lot_size_sqft.minimun', 'lot_size_sqft.minimum'],
        ['lot_size_sqft.minimun', 'lot_size_sqft.maximum'],
      ]);
    } finally {
      await warehouse.close();
    }
  });
});

describe('decisions on names another decision already settled', () => {
  /**
   * Runs `test` on a fresh database where discovery has raised the vessel names' conflicts (DAY1), with a
   * lookup of an open conflict's id by its names.
   */
  async function withConflicts(
    database: string,
    test: (
      warehouse: Warehouse,
      find: (newName: string, existingName: string) => string,
      open: readonly { id: string }[],
    ) => Promise<void>,
  ): Promise<void> {
    const { warehouse } = await migratedDatabase(database);
    try {
      await ingestFiles(warehouse, [VESSEL_ANNOTATIONS], DAY1);
      succeeded(await runDiscovery(deps(warehouse, DAY1), { trigger: 'cron', full: false }));
      const open = await listConflicts(warehouse, { status: 'open', limit: 100 });
      const find = (newName: string, existingName: string) =>
        open.find((c) => c.newName === newName && c.existingName === existingName)?.id as string;
      await test(warehouse, find, open);
    } finally {
      await warehouse.close();
    }
  }

  const aliases = (warehouse: Warehouse) =>
    warehouse.query<{ name: string; merged_into: string }>(
      `SELECT name, merged_into FROM entity_types WHERE status = 'merged' ORDER BY name`,
    );

  it('keeps aliases flat when a name with aliases is merged, and refuses to undo a merge', async () => {
    await withConflicts('discovery_decisions', async (warehouse, find) => {
      const decide = (id: string, decision: 'merge' | 'reject' | 'approve') =>
        decideConflict(warehouse, id, { decision, by: 'reviewer' }, DAY2);

      await decide(find('vessel name', 'VESEL_NAME'), 'merge');
      const merged = await decide(find('VESEL_NAME', 'VESSEL_NAME'), 'merge');
      expect(merged.effect).toBe("entity type 'VESEL_NAME' is now an alias of 'VESSEL_NAME'");
      expect(await aliases(warehouse)).toEqual([
        { name: 'VESEL_NAME', merged_into: 'VESSEL_NAME' },
        { name: 'vessel name', merged_into: 'VESSEL_NAME' },
      ]);

      const again = find('vessel name', 'VESSEL_NAME');
      await expect(decide(again, 'reject')).rejects.toThrow(
        "entity type 'vessel name' was already merged into 'VESSEL_NAME' by an earlier decision",
      );
      const closed = await decide(again, 'approve');
      expect(closed.conflict.status).toBe('approved');
      expect(closed.effect).toBe(
        "closed; entity type 'vessel name' stays merged into 'VESSEL_NAME' by an earlier decision",
      );
      const [kept] = await warehouse.query<{ status: string }>(
        `SELECT status FROM entity_types WHERE name = 'vessel name'`,
      );
      expect(kept).toEqual({ status: 'merged' });
    });
  });

  it('keeps aliases flat when two merges that touch each other run at once', async () => {
    await withConflicts('discovery_concurrent_merges', async (warehouse, find) => {
      // One merges VESEL_NAME away while the other merges into it.
      const outcomes = await Promise.allSettled([
        decideConflict(warehouse, find('VESEL_NAME', 'VESSEL_NAME'), { decision: 'merge', by: 'alice' }, DAY2),
        decideConflict(warehouse, find('vessel name', 'VESEL_NAME'), { decision: 'merge', by: 'bob' }, DAY2),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(await aliases(warehouse)).toEqual([
        { name: 'VESEL_NAME', merged_into: 'VESSEL_NAME' },
        { name: 'vessel name', merged_into: 'VESSEL_NAME' },
      ]);
    });
  });

  it('answers reviewers deciding one conflict at once: one decision, the others 409 (not a warehouse error)', async () => {
    await withConflicts('discovery_concurrent_decisions', async (warehouse, _find, open) => {
      const reviewers = ['alice', 'bob', 'carol', 'dave'];
      const outcomes = await Promise.allSettled(
        reviewers.map((by) => decideConflict(warehouse, open[0]?.id as string, { decision: 'approve', by }, DAY2)),
      );
      const done = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as AppError] : []));
      expect(done).toHaveLength(1);
      expect(refused.map((e) => [e.code, e.status])).toEqual(reviewers.slice(1).map(() => ['conflict', 409]));
      for (const e of refused) expect(e.message).toContain('was already decided (approve by ');
    });
  });
});

describe('staleness against the newest activity of the dataset or source', () => {
  const NOW = new Date('2027-11-20T12:00:00Z');
  const later = (days: number) => new Date(NOW.getTime() + days * 86_400_000);
  /** `n` submitted spans of `type` in `dataset`, one a month from `from` (YYYY-MM, day 10). */
  const monthly = (type: string, text: string, n: number, from: string, dataset = 'vessels') =>
    Array.from({ length: n }, (_, i) => {
      const [y, m] = from.split('-').map(Number) as [number, number];
      const at = new Date(Date.UTC(y, m - 1 + i, 10, 9)).toISOString();
      return [`${type}-${i}`, `doc-${i}`, type, text, 'alice', 'submitted', at, null, dataset] as const;
    });
  const statuses = async (w: Warehouse) => Object.fromEntries((await readEntityRows(w)).map((e) => [e.name, e.status]));
  const fieldStatuses = async (w: Warehouse) =>
    Object.fromEntries((await readFieldRows(w)).map((f) => [`${f.source}.${f.name}`, f.status]));
  const section = (message: Sent | undefined, title: string) =>
    message?.body.blocks
      .map((b) => (b as { text?: { text?: string } }).text?.text ?? '')
      .find((t) => t.startsWith(`*${title}*`));

  it('a backfill of last year makes its types active or candidate, not stale, and the digest says so', async () => {
    const { warehouse } = await migratedDatabase('discovery_backfill');
    try {
      // A migrated Argilla history: annotations dated over the year before the clock, loaded today.
      const backfill = annotationsSql([
        ...monthly('VESSEL_NAME', 'Ever Given', 11, '2026-12'),
        ...monthly('IMO_NUMBER', '9811000', 4, '2027-07'),
        ...monthly('CALL_SIGN', 'H3RC', 2, '2027-09'),
      ]);
      await ingestFiles(warehouse, [{ bucket: 'vessel-annotations', key: 'backfill/all.parquet', sql: backfill }], NOW);
      const sent: Sent[] = [];
      const report = succeeded(await runDiscovery(deps(warehouse, NOW, { sent }), { trigger: 'api', full: false }));
      expect(await statuses(warehouse)).toEqual({
        CALL_SIGN: 'candidate',
        IMO_NUMBER: 'active',
        VESSEL_NAME: 'active',
      });
      expect(report.snapshot).toMatchObject({ version: 1, semver: '0.1.0' });
      expect(sent).toHaveLength(1);
      expect(section(sent[0], 'New entity types')).toBe(
        [
          '*New entity types*',
          '• `CALL_SIGN` (candidate) — Entity type annotated by subject-matter experts, e.g. “H3RC”.',
          '• `IMO_NUMBER` (active) — Entity type annotated by subject-matter experts, e.g. “9811000”.',
          '• `VESSEL_NAME` (active) — Entity type annotated by subject-matter experts, e.g. “Ever Given”.',
        ].join('\n'),
      );
      expect(await warehouse.query('SELECT kind, scope, newest_at FROM discovery_activity')).toEqual([
        { kind: 'dataset', scope: 'vessels', newest_at: new Date('2027-10-10T09:00:00Z') },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('an entity type goes stale when its dataset goes on without it, or when its whole dataset falls silent', async () => {
    const { warehouse } = await migratedDatabase('discovery_stale_entities');
    try {
      const load = (key: string, sql: string, at: Date) =>
        ingestFiles(warehouse, [{ bucket: 'vessel-annotations', key, sql }], at);
      const run = async (at: Date) =>
        succeeded(await runDiscovery(deps(warehouse, at), { trigger: 'cron', full: false }));
      await load(
        'history.parquet',
        annotationsSql([
          ...monthly('VESSEL_NAME', 'Ever Given', 3, '2027-08'), // last 2027-10-10
          ...monthly('IMO_NUMBER', '9811000', 3, '2027-08'), // last 2027-10-10
          ...monthly('HULL_NUMBER', 'H-12', 3, '2027-01', 'archive'), // last 2027-03-10, its dataset's newest
        ]),
        NOW,
      );
      await run(NOW);
      expect(await statuses(warehouse)).toEqual({ HULL_NUMBER: 'active', IMO_NUMBER: 'active', VESSEL_NAME: 'active' });

      // 40 days on the clock, the vessels dataset gets new VESSEL_NAME spans; the archive gets nothing.
      await load('new.parquet', annotationsSql(monthly('VESSEL_NAME', 'MSC Oscar', 1, '2027-12')), later(40));
      const report = await run(later(40));
      // IMO_NUMBER: 2027-10-10 is 61 days before its dataset's newest span (2027-12-10); the quiet archive
      // keeps its status (by the clock alone HULL_NUMBER, unseen for 295 days, would be stale).
      expect(await statuses(warehouse)).toEqual({ HULL_NUMBER: 'active', IMO_NUMBER: 'stale', VESSEL_NAME: 'active' });
      expect(report.snapshot).toMatchObject({ version: 2, bump: 'patch' });

      // 371 days after the archive's newest span: silent longer than datasetSilentDays (365).
      await run(new Date('2028-03-15T12:00:00Z'));
      expect(await statuses(warehouse)).toEqual({ HULL_NUMBER: 'stale', IMO_NUMBER: 'stale', VESSEL_NAME: 'active' });
      expect(await warehouse.query('SELECT kind, scope, newest_at FROM discovery_activity ORDER BY scope')).toEqual([
        { kind: 'dataset', scope: 'archive', newest_at: new Date('2027-03-10T09:00:00Z') },
        { kind: 'dataset', scope: 'vessels', newest_at: new Date('2027-12-10T09:00:00Z') },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('a field goes stale when its source loads on without it, or when its whole source falls silent', async () => {
    const { warehouse } = await migratedDatabase('discovery_stale_fields');
    try {
      const csv = (key: string, sql: string) => ({ bucket: 'vessel-csv' as const, key, sql });
      const run = async (at: Date) =>
        succeeded(await runDiscovery(deps(warehouse, at), { trigger: 'cron', full: false }));
      for (const day of [0, 1, 2]) {
        await ingestFiles(
          warehouse,
          [
            csv(`registry/${day}.parquet`, `SELECT 9811000 AS imo, 'X1' AS legacy_code`),
            csv(`archive/${day}.parquet`, `SELECT 'H-12' AS hull`),
          ],
          later(day),
        );
      }
      await run(later(2));
      expect(await fieldStatuses(warehouse)).toEqual({
        'archive.hull': 'active',
        'registry.imo': 'active',
        'registry.legacy_code': 'active',
      });

      // The registry loads on without legacy_code; the archive loads nothing.
      await ingestFiles(warehouse, [csv('registry/40.parquet', 'SELECT 9811001 AS imo')], later(40));
      await run(later(40));
      expect(await fieldStatuses(warehouse)).toEqual({
        'archive.hull': 'active',
        'registry.imo': 'active',
        'registry.legacy_code': 'stale',
      });

      // 366 days after the archive's last load, 328 after the registry's.
      await run(later(368));
      expect(await fieldStatuses(warehouse)).toEqual({
        'archive.hull': 'stale',
        'registry.imo': 'active',
        'registry.legacy_code': 'stale',
      });
    } finally {
      await warehouse.close();
    }
  });
});

describe('loads with no rows, and columns with no values', () => {
  it('counts a load towards a field only when the field had a value in it', async () => {
    const { warehouse } = await migratedDatabase('discovery_empty_loads');
    try {
      /** A file of one row (none when `port` is null) with the columns port, imo and berth (always NULL). */
      const csv = (key: string, port: string | null) => ({
        bucket: 'vessel-csv' as const,
        key: `port_calls/${key}`,
        sql: `SELECT * FROM (VALUES ('${port ?? 'x'}', 9811000, NULL::VARCHAR)) AS t(port, imo, berth)${port === null ? ' WHERE false' : ''}`,
      });
      const fields = async () =>
        Object.fromEntries(
          (await readFieldRows(warehouse)).map((f) => [f.name, { loads: f.loadCount, status: f.status }]),
        );
      // Two files with rows, then what giving every file an empty version leaves: header-only versions of
      // both keys and a third, empty, file. `berth` is in every file and NULL in every row.
      await ingestFiles(warehouse, [csv('a.parquet', 'Rotterdam'), csv('b.parquet', 'Hamburg')], DAY1);
      await ingestFiles(warehouse, [csv('a.parquet', null), csv('b.parquet', null), csv('c.parquet', null)], DAY2);
      expect(await warehouse.query('SELECT count(*)::INTEGER AS n FROM load_fields WHERE rows = 0')).toEqual([
        { n: 0 },
      ]);
      succeeded(await runDiscovery(deps(warehouse, DAY2), { trigger: 'cron', full: false }));
      const expected = {
        berth: { loads: 0, status: 'candidate' },
        imo: { loads: 2, status: 'candidate' },
        port: { loads: 2, status: 'candidate' },
      };
      expect(await fields()).toEqual(expected);
      // A recount agrees, and so it does over rows an older loader wrote for an empty load.
      await warehouse.execute(
        `INSERT INTO load_fields (load_id, target, source, path, field_type, rows, null_count, ingested_at)
         VALUES ('old-empty', 'structured_data', 'port_calls', 'port', 'varchar', 0, 0, '2026-11-21T12:00:00Z')`,
        [],
      );
      succeeded(await runDiscovery(deps(warehouse, DAY2), { trigger: 'cron', full: true }));
      expect(await fields()).toEqual(expected);

      // A third file with values makes them active; berth stays a candidate with no load.
      await ingestFiles(warehouse, [csv('d.parquet', 'Antwerp')], DAY2);
      succeeded(await runDiscovery(deps(warehouse, DAY2), { trigger: 'cron', full: false }));
      expect(await fields()).toEqual({
        berth: { loads: 0, status: 'candidate' },
        imo: { loads: 3, status: 'active' },
        port: { loads: 3, status: 'active' },
      });
    } finally {
      await warehouse.close();
    }
  });
});
