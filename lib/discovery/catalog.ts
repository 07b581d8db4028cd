// The catalog's rules, as pure functions: merging what a run observed into entity types and fields, the
// lifecycle (candidate -> active -> stale, rejected, merged), type widening and descriptions.
import { z } from 'zod';
import { compareCodePoints } from '../core/order.ts';
import type { Catalog, EntryStatus } from './snapshot.ts';

/** The keys of DISCOVERY_CONFIG, each with its default. */
const DiscoveryConfigFields = z.strictObject({
  /** Times a name must be seen before it counts as stable (candidate -> active): annotations or proposals
   * for an entity type, loaded files for a field. */
  minOccurrences: z.number().int().min(1).default(3),
  /** Days a name may go unseen while its datasets (or its source) go on before it becomes stale. */
  staleAfterDays: z.number().positive().default(30),
  /** Days a whole dataset (or source) may be silent before its names become stale however recent they are there. */
  datasetSilentDays: z.number().positive().default(365),
  /** Levenshtein similarity (1 - distance / longer length) from which two names are flagged. */
  similarityThreshold: z.number().gt(0).max(1).default(0.85),
  /** Names this long or shorter (normalised) are only flagged when identical after normalising. */
  shortNameLength: z.number().int().min(0).default(5),
  /** Apply the vocabulary's rules (vocabulary/maritime.yaml): synonyms, abbreviations, generic suffixes. */
  vocabulary: z.boolean().default(true),
  /** shared_values: example values two names must have in common ... */
  sharedValues: z.number().int().min(1).default(2),
  /** ... and the share of the smaller set of examples they must be. Below sharedAloneOverlap they only support another reason. */
  sharedOverlap: z.number().gt(0).max(1).default(0.5),
  /** From this share (and one more value than sharedValues) shared values raise a conflict alone. */
  sharedAloneOverlap: z.number().gt(0).max(1).default(0.8),
  /** co_annotated: identical spans that different annotators gave the two entity types. */
  coAnnotatedSpans: z.number().int().min(1).default(2),
  /** embedding: cosine similarity from which embeddings raise a conflict alone ... */
  embeddingThreshold: z.number().gt(0).max(1).default(0.92),
  /** ... and from which they support a less certain rule. */
  embeddingSupport: z.number().gt(0).max(1).default(0.8),
  /** Workers AI text-embedding model, when the AI binding is configured. */
  embeddingModel: z.string().min(1).default('@cf/baai/bge-base-en-v1.5'),
  /** Names embedded per run at most (new names first; the rest in later runs, cached in name_embeddings). */
  embeddingsPerRun: z.number().int().min(0).default(2000),
  /** Free-text question whose answers propose entity types (Argilla cannot add labels to a published span question). */
  proposalQuestion: z.string().min(1).default('proposed_entity_type'),
  /** Examples kept per name. */
  examples: z.number().int().min(0).max(10).default(3),
  /** Waiting loads above which a run recounts everything (one pass) instead of adding each load's rows. */
  maxLoadsPerRun: z.number().int().min(1).default(5000),
  /** How long a run may hold the lock before another may take it over (a crashed run's lock expires). */
  lockSeconds: z.number().int().min(10).default(900),
  /** Conflicts listed one by one in a Slack digest; the rest are summarised. */
  slackConflicts: z.number().int().min(1).max(40).default(10),
  /** Workers AI model for descriptions, when the AI binding is configured. */
  aiModel: z.string().default('@cf/meta/llama-3.1-8b-instruct'),
  /** New names described by AI per run at most. */
  aiDescriptionsPerRun: z.number().int().min(0).default(20),
});

/** Discovery settings (the DISCOVERY_CONFIG variable, JSON; every key optional). */
export const DiscoveryConfig = DiscoveryConfigFields.refine((c) => c.datasetSilentDays >= c.staleAfterDays, {
  path: ['datasetSilentDays'],
  message: 'datasetSilentDays must be at least staleAfterDays',
});
export type DiscoveryConfig = z.infer<typeof DiscoveryConfig>;

export const DEFAULT_DISCOVERY_CONFIG: DiscoveryConfig = DiscoveryConfig.parse({});

/** Parses DISCOVERY_CONFIG (JSON, or empty for the defaults); throws with a readable message when invalid. */
export function parseDiscoveryConfig(json: string | undefined): DiscoveryConfig {
  if (json === undefined || json.trim() === '') return DEFAULT_DISCOVERY_CONFIG;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('DISCOVERY_CONFIG is not valid JSON');
  }
  const parsed = DiscoveryConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`DISCOVERY_CONFIG is invalid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The newest activity of every dataset (the latest annotated_at of a submitted annotation; '' for
 * annotations without a dataset) and every source (the latest load that profiled one of its fields).
 */
export interface Activity {
  readonly datasets: ReadonlyMap<string, Date>;
  readonly sources: ReadonlyMap<string, Date>;
}

/** The newest activity of the datasets an entity type appears in ('' when it has none), or null if none is known. */
export function datasetActivity(activity: Activity, datasets: readonly string[]): Date | null {
  let newest: Date | null = null;
  for (const d of datasets.length > 0 ? datasets : ['']) {
    const at = activity.datasets.get(d);
    if (at && (newest === null || at > newest)) newest = at;
  }
  return newest;
}

type LifecycleConfig = Pick<DiscoveryConfig, 'minOccurrences' | 'staleAfterDays' | 'datasetSilentDays'>;

const DAY_MS = 86_400_000;

/**
 * What the lifecycle says a name's status is now. Decisions (rejected, merged) are final. Staleness is
 * measured against `newestActivity`, the newest activity of the name's datasets (or source), not against
 * the clock: a backfill of last year's annotations is not stale because it is old, a name is stale when
 * its datasets went on without it for `staleAfterDays`, or when they all fell silent for `datasetSilentDays`.
 */
export function lifecycle(
  status: EntryStatus,
  sightings: number,
  lastSeen: Date | null,
  newestActivity: Date | null,
  config: LifecycleConfig,
  now: Date,
): EntryStatus {
  if (status === 'rejected' || status === 'merged') return status;
  const established = sightings >= config.minOccurrences;
  // Never earlier than the name's own sighting (an unknown dataset cannot age it), never after now.
  const seen = lastSeen?.getTime() ?? null;
  const newest = seen === null ? null : Math.min(now.getTime(), Math.max(seen, newestActivity?.getTime() ?? seen));
  const old =
    seen !== null &&
    newest !== null &&
    (seen < newest - config.staleAfterDays * DAY_MS || newest < now.getTime() - config.datasetSilentDays * DAY_MS);
  // Seen often enough but not lately is stale, however it got there: also a name first found in old data
  // (a backfill), which would otherwise stay a candidate for ever. A candidate never seen enough stays one.
  if (old) return status === 'candidate' && !established ? 'candidate' : 'stale';
  return established ? 'active' : 'candidate';
}

/**
 * Rows this run did not plan still age: each whose lifecycle status changes, with the new status. Entity
 * types count sightings in annotations and proposals, fields in loads.
 */
function aged<T extends { readonly status: EntryStatus; readonly lastSeen: Date | null; readonly updatedAt: Date }>(
  current: readonly T[],
  planned: (row: T) => boolean,
  sightings: (row: T) => number,
  newestActivity: (row: T) => Date | null,
  config: LifecycleConfig,
  now: Date,
): T[] {
  const changed: T[] = [];
  for (const r of current) {
    if (planned(r)) continue;
    const status = lifecycle(r.status, sightings(r), r.lastSeen, newestActivity(r), config, now);
    if (status !== r.status) changed.push({ ...r, status, updatedAt: now });
  }
  return changed;
}

const quote = (s: string) => `“${s.length > 40 ? `${s.slice(0, 39)}…` : s}”`;

const DETERMINISTIC = 'deterministic';

/** Whether a row's description is ours to rewrite (not written by AI or a person). */
const rewritable = (source: string | null | undefined) =>
  source === null || source === undefined || source === DETERMINISTIC;

type Bookkeeping = 'status' | 'mergedInto' | 'description' | 'descriptionSource' | 'createdAt' | 'updatedAt';

/**
 * What a planned row (entity type or field) takes from the row it replaces, if any: its status moved on
 * by the lifecycle, its alias, its description unless that is ours to rewrite, its creation time.
 */
function carriedOver(
  existing: Pick<EntityRow | FieldRow, Bookkeeping> | undefined,
  sightings: number,
  lastSeen: Date | null,
  newestActivity: Date | null,
  describe: () => string,
  config: DiscoveryConfig,
  now: Date,
): Pick<EntityRow, Bookkeeping> {
  const own = rewritable(existing?.descriptionSource);
  return {
    status: lifecycle(existing?.status ?? 'candidate', sightings, lastSeen, newestActivity, config, now),
    mergedInto: existing?.mergedInto ?? null,
    description: own ? describe() : (existing?.description ?? null),
    descriptionSource: own ? DETERMINISTIC : (existing?.descriptionSource ?? null),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
}

/**
 * Whether two rows agree on `attributes`: dates by instant, lists by content in order, objects (counts per
 * type) by content in any key order, everything else by identity.
 */
function unchanged<T>(a: T, b: T, attributes: readonly (keyof T)[]): boolean {
  return attributes.every((k) => sameValue(a[k], b[k]));
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x instanceof Date || y instanceof Date)
    return x instanceof Date && y instanceof Date && x.getTime() === y.getTime();
  if (Array.isArray(x) || Array.isArray(y)) return JSON.stringify(x) === JSON.stringify(y);
  if (typeof x === 'object' && x !== null && typeof y === 'object' && y !== null) {
    return JSON.stringify(Object.entries(x).sort()) === JSON.stringify(Object.entries(y).sort());
  }
  return x === y;
}

// ---- entity types ------------------------------------------------------------------------------

export interface EntityObservation {
  readonly name: string;
  readonly occurrences: number;
  readonly documents: number;
  readonly proposals: number;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
  readonly annotators: readonly string[];
  readonly datasets: readonly string[];
  readonly examples: readonly string[];
}

export interface EntityRow extends EntityObservation {
  readonly status: EntryStatus;
  readonly mergedInto: string | null;
  readonly description: string | null;
  readonly descriptionSource: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What a set of loads added to one entity type's current, submitted rows (see observe.ts). */
export interface EntityDelta {
  readonly name: string;
  readonly occurrences: number;
  /** Documents and (record, annotator) proposals the name had no current row for before these loads. */
  readonly newDocuments: number;
  readonly newProposals: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  /** Distinct, sorted by code point, at most 100 (like the catalog's lists). */
  readonly annotators: readonly string[];
  readonly datasets: readonly string[];
}

const LIST_LIMIT = 100;

function mergeLists(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort(compareCodePoints).slice(0, LIST_LIMIT);
}

/**
 * A catalog row's statistics moved on by what new loads added, or null when only a recount is exact:
 * a name not (or no longer) counted, or one whose examples could change (not as many as configured, or
 * new rows not all later than every row it had, since the examples are the earliest spans).
 */
export function advanceEntity(
  row: EntityRow | undefined,
  delta: EntityDelta,
  config: Pick<DiscoveryConfig, 'examples'>,
): EntityObservation | null {
  if (!row || row.occurrences + row.proposals === 0 || row.firstSeen === null || row.lastSeen === null) return null;
  if (row.examples.length !== config.examples || delta.firstSeen.getTime() <= row.lastSeen.getTime()) return null;
  return {
    name: row.name,
    occurrences: row.occurrences + delta.occurrences,
    documents: row.documents + delta.newDocuments,
    proposals: row.proposals + delta.newProposals,
    firstSeen: row.firstSeen,
    lastSeen: delta.lastSeen,
    annotators: mergeLists(row.annotators, delta.annotators),
    datasets: mergeLists(row.datasets, delta.datasets),
    examples: row.examples,
  };
}

/**
 * A description from how the name reached us and its earliest examples: the same input gives the same
 * words, and it does not move with every new annotation (counts live in the catalog rows), so snapshots
 * change when meaning changes.
 */
export function describeEntity(o: Pick<EntityObservation, 'occurrences' | 'proposals' | 'examples'>): string {
  const how =
    o.occurrences > 0 && o.proposals > 0
      ? 'Entity type annotated and proposed by subject-matter experts'
      : o.proposals > 0
        ? 'Entity type proposed by subject-matter experts'
        : 'Entity type annotated by subject-matter experts';
  return o.examples.length > 0 ? `${how}, e.g. ${o.examples.map(quote).join(', ')}.` : `${how}.`;
}

/**
 * Rows to write for the observed names (their statistics replaced: an observation is complete for its
 * name), names of `covered` that were not observed (no current rows left: counts drop to zero), status
 * changes of every other row, and the names new to the catalog. Unchanged rows are not returned.
 */
export function planEntityTypes(
  current: readonly EntityRow[],
  observed: readonly EntityObservation[],
  covered: ReadonlySet<string> | 'all',
  activity: Activity,
  config: DiscoveryConfig,
  now: Date,
): { rows: EntityRow[]; newNames: string[] } {
  const byName = new Map(current.map((r) => [r.name, r]));
  const seen = new Set(observed.map((o) => o.name));
  const isCovered = (name: string) => covered === 'all' || covered.has(name);
  const emptied = current
    .filter((r) => !seen.has(r.name) && isCovered(r.name) && r.occurrences + r.proposals > 0)
    .map(
      (r): EntityObservation => ({ ...r, occurrences: 0, documents: 0, proposals: 0, annotators: [], datasets: [] }),
    );
  const rows: EntityRow[] = [];
  const newNames: string[] = [];
  const planned = new Set<string>();
  for (const o of [...observed, ...emptied]) {
    planned.add(o.name);
    const existing = byName.get(o.name);
    if (!existing) newNames.push(o.name);
    const lastSeen = o.lastSeen ?? existing?.lastSeen ?? null;
    // A name that lost every row has no datasets left: it is measured against those it had.
    const newest = datasetActivity(activity, o.datasets.length > 0 ? o.datasets : (existing?.datasets ?? []));
    const sightings = o.occurrences + o.proposals;
    const row: EntityRow = {
      ...o,
      lastSeen,
      firstSeen: o.firstSeen ?? existing?.firstSeen ?? null,
      ...carriedOver(existing, sightings, lastSeen, newest, () => describeEntity(o), config, now),
    };
    if (!existing || !unchanged(existing, row, ENTITY_ATTRIBUTES)) rows.push(row);
  }
  const resting = aged(
    current,
    (r) => planned.has(r.name),
    (r) => r.occurrences + r.proposals,
    (r) => datasetActivity(activity, r.datasets),
    config,
    now,
  );
  return { rows: [...rows, ...resting], newNames };
}

/** What makes an entity type row worth writing again. */
const ENTITY_ATTRIBUTES = [
  'status',
  'occurrences',
  'documents',
  'proposals',
  'firstSeen',
  'lastSeen',
  'description',
  'descriptionSource',
  'annotators',
  'datasets',
  'examples',
] as const satisfies readonly (keyof EntityRow)[];

// ---- fields -------------------------------------------------------------------------------------

/** Numeric field types in the order they widen: a field seen as int and as double is a double. */
export const NUMERIC_WIDENING = ['int', 'bigint', 'decimal', 'double'] as const;

/**
 * The type that holds every observed type: numbers widen along NUMERIC_WIDENING; any other mix (a
 * number and a string, a date and a timestamp, an object and a list) is a varchar.
 */
export function widen(types: Iterable<string>): string {
  const set = new Set(types);
  if (set.size === 0) return 'varchar';
  if (set.size === 1) return [...set][0] as string;
  const ranks = [...set].map((t) => NUMERIC_WIDENING.indexOf(t as (typeof NUMERIC_WIDENING)[number]));
  if (ranks.every((r) => r >= 0)) return NUMERIC_WIDENING[Math.max(...ranks)] as string;
  return 'varchar';
}

/** Types that held values (a type seen only as NULLs says nothing), or all of them if none did. */
export function observedTypeNames(types: Readonly<Record<string, number>>): string[] {
  const withValues = Object.keys(types).filter((t) => (types[t] ?? 0) > 0);
  return (withValues.length > 0 ? withValues : Object.keys(types)).sort();
}

export type FieldKind = 'structured' | 'document_metadata';

export interface FieldObservation {
  readonly source: string;
  readonly name: string;
  readonly kind: FieldKind;
  /** Loaded files where the field had a value (not NULL in every row; a file of no rows has none). */
  readonly loads: number;
  /** Rows that carried the field (its column existed in their file). */
  readonly rows: number;
  /** Of those, rows where it was NULL; null when not tracked (inside structs and lists). */
  readonly nulls: number | null;
  /** Non-NULL values per field type. */
  readonly types: Readonly<Record<string, number>>;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
  readonly examples: readonly string[];
}

export interface FieldRow {
  readonly source: string;
  readonly name: string;
  readonly kind: FieldKind;
  readonly inferredType: string;
  /** Non-NULL values per field type; more than one key with values means mixed types. */
  readonly observedTypes: Readonly<Record<string, number>>;
  /** Rows where the field had a value. */
  readonly occurrenceCount: number;
  readonly nullCount: number;
  readonly loadCount: number;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
  readonly examples: readonly string[];
  readonly status: EntryStatus;
  readonly mergedInto: string | null;
  readonly description: string | null;
  readonly descriptionSource: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'An' : 'A');

/** Like describeEntity: type, where, and examples; the counts live in the row. */
export function describeField(
  f: Pick<FieldRow, 'source' | 'kind' | 'inferredType' | 'observedTypes' | 'examples'>,
): string {
  const types = observedTypeNames(f.observedTypes);
  const mixed = types.length > 1 ? ` (mixed: ${types.join(', ')})` : '';
  const where = f.kind === 'document_metadata' ? 'OCR document metadata' : `${f.source} data`;
  const examples = f.examples.length > 0 ? `, e.g. ${f.examples.map(quote).join(', ')}` : '';
  return `${article(f.inferredType)} ${f.inferredType}${mixed} field of ${where}${examples}.`;
}

export const fieldKey = (source: string, name: string): string => `${source}\u0000${name}`;

/**
 * Field rows after a run. Observations of an incremental run cover only the new loads and add to the
 * counts; a full run's replace them. Unchanged rows are not returned.
 */
export function planFields(
  current: readonly FieldRow[],
  observed: readonly FieldObservation[],
  incremental: boolean,
  activity: Activity,
  config: DiscoveryConfig,
  now: Date,
): { rows: FieldRow[]; newNames: { source: string; name: string }[] } {
  const byKey = new Map(current.map((r) => [fieldKey(r.source, r.name), r]));
  const rows: FieldRow[] = [];
  const newNames: { source: string; name: string }[] = [];
  const touched = new Set<string>();
  for (const o of observed) {
    const k = fieldKey(o.source, o.name);
    touched.add(k);
    const existing = byKey.get(k);
    if (!existing) newNames.push({ source: o.source, name: o.name });
    const prior = incremental ? existing : undefined;
    const nulls = o.nulls ?? 0;
    const observedTypes: Record<string, number> = { ...(prior?.observedTypes ?? {}) };
    for (const [t, n] of Object.entries(o.types)) observedTypes[t] = (observedTypes[t] ?? 0) + n;
    const loadCount = (prior?.loadCount ?? 0) + o.loads;
    // Loads where the field had a value date it; loads where it was only NULL do so only while there are
    // none (observeFields), so the dates of a side with values win over those of a side without.
    const seen = prior && prior.loadCount > 0 === o.loads > 0 ? prior : undefined;
    const kept = prior && prior.loadCount > 0 && o.loads === 0 ? prior : undefined;
    const earliest = (a: Date | null | undefined, b: Date) => (a && a < b ? a : b);
    const latest = (a: Date | null | undefined, b: Date) => (a && a > b ? a : b);
    const firstSeen = kept?.firstSeen ?? earliest(seen?.firstSeen, o.firstSeen);
    const lastSeen = kept?.lastSeen ?? latest(seen?.lastSeen, o.lastSeen);
    const examples = [...new Set([...(existing?.examples ?? []), ...o.examples])].slice(0, config.examples);
    const inferredType = widen(observedTypeNames(observedTypes));
    const describe = () => describeField({ source: o.source, kind: o.kind, inferredType, observedTypes, examples });
    const row: FieldRow = {
      source: o.source,
      name: o.name,
      kind: o.kind,
      inferredType,
      observedTypes,
      occurrenceCount: (prior?.occurrenceCount ?? 0) + (o.rows - nulls),
      nullCount: (prior?.nullCount ?? 0) + nulls,
      loadCount,
      firstSeen,
      lastSeen,
      examples,
      ...carriedOver(existing, loadCount, lastSeen, activity.sources.get(o.source) ?? null, describe, config, now),
    };
    if (!existing || !unchanged(existing, row, FIELD_ATTRIBUTES)) rows.push(row);
  }
  const resting = aged(
    current,
    (r) => touched.has(fieldKey(r.source, r.name)),
    (r) => r.loadCount,
    (r) => activity.sources.get(r.source) ?? null,
    config,
    now,
  );
  return { rows: [...rows, ...resting], newNames };
}

/** What makes a field row worth writing again. */
const FIELD_ATTRIBUTES = [
  'kind',
  'inferredType',
  'occurrenceCount',
  'nullCount',
  'loadCount',
  'status',
  'description',
  'descriptionSource',
  'firstSeen',
  'lastSeen',
  'observedTypes',
  'examples',
] as const satisfies readonly (keyof FieldRow)[];

/** Fields still lacking examples (new ones included): the run samples values for these. */
export function needsExamples(row: FieldRow | undefined, config: DiscoveryConfig): boolean {
  // Once: a field with fewer values than wanted (a boolean has two) is not sampled again every run.
  return config.examples > 0 && (row === undefined || row.examples.length === 0);
}

/** The publishable part of the catalog. */
export function catalogOf(entities: readonly EntityRow[], fields: readonly FieldRow[]): Catalog {
  return {
    entityTypes: entities.map((e) => ({
      name: e.name,
      status: e.status,
      description: e.description,
      mergedInto: e.mergedInto,
    })),
    fields: fields.map((f) => ({
      source: f.source,
      name: f.name,
      kind: f.kind,
      type: f.inferredType,
      status: f.status,
      description: f.description,
      mergedInto: f.mergedInto,
    })),
  };
}
