// The conflicts a run raises: its new names against every known name of the same kind (fields: of the same
// source), through the pure detector with the vocabulary, the names' examples and what annotators did
// (co-annotated spans), less the field pairs one loaded file had both of.
import { z } from 'zod';
import type { WarehouseSession } from '../warehouse/port.ts';
import { quoteLiteral } from '../warehouse/sql.ts';
import type { EntityRow, FieldRow } from './catalog.ts';
import { type ConflictKind, scopeKey } from './catalog-tables/entity-conflicts.ts';
import { detectConflicts, pairKey } from './conflicts.ts';
import { type EmbeddableName, type Neighbour, neighboursFor } from './embeddings.ts';
import type { DiscoveryDeps } from './run.ts';
import type { ConflictSummary } from './run-report.ts';
import { defaultVocabulary } from './vocabulary.ts';

/** Two field names of one source that a loaded file had both of. */
const SameFilePairRow = z.object({ source: z.string(), a: z.string(), b: z.string() });

/**
 * Drops field conflicts whose two names were both in one loaded file: two columns of one file are two
 * fields by construction (`lot_size.min` and `lot_size.max`), not one field spelt twice. Entity types are
 * kept: one annotation file holds both spellings of a type as easily as one.
 */
export async function withoutColumnsOfOneFile(
  tx: WarehouseSession,
  conflicts: readonly ConflictSummary[],
): Promise<ConflictSummary[]> {
  const fields = conflicts.filter((c) => c.kind === 'field');
  if (fields.length === 0) return [...conflicts];
  const pairs = fields.map((c) => `(${[c.source, c.newName, c.existingName].map(quoteLiteral).join(', ')})`);
  const together = await tx.query(
    `SELECT DISTINCT p.source, p.a, p.b
     FROM (VALUES ${pairs.join(', ')}) p(source, a, b)
     JOIN load_fields x ON x.source = p.source AND x.path = p.a
     JOIN load_fields y ON y.load_id = x.load_id AND y.source = p.source AND y.path = p.b`,
  );
  const drop = new Set(
    together.map((row) => {
      const t = SameFilePairRow.parse(row);
      return `${t.source}\u0000${t.a}\u0000${t.b}`;
    }),
  );
  return conflicts.filter(
    (c) => c.kind !== 'field' || !drop.has(`${c.source}\u0000${c.newName}\u0000${c.existingName}`),
  );
}

const CoAnnotatedRow = z.object({ a: z.string(), b: z.string(), spans: z.coerce.number() });

/**
 * Pairs of entity types, one of them new, that different annotators gave the same span of the same record
 * (current, submitted responses): pairKey -> spans. One statement, joined on the new names' spans only.
 */
export async function coAnnotatedPairs(
  tx: WarehouseSession,
  newEntityNames: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (newEntityNames.length === 0) return out;
  const names = newEntityNames.map(quoteLiteral).join(', ');
  const current = (t: string) => `${t}.valid_to IS NULL AND ${t}.status = 'submitted'`;
  const rows = await tx.query(
    `SELECT x.entity_type AS a, y.entity_type AS b, count(DISTINCT (x.dataset, x.record_id, x."start", x."end"))::INTEGER AS spans
     FROM (SELECT * FROM annotations AS n WHERE ${current('n')} AND n.entity_type IN (${names})) AS x
     JOIN annotations AS y ON y.record_id = x.record_id AND y.dataset IS NOT DISTINCT FROM x.dataset
       AND y."start" = x."start" AND y."end" = x."end"
       AND y.entity_type <> x.entity_type AND y.annotator IS DISTINCT FROM x.annotator
     WHERE ${current('y')}
     GROUP BY 1, 2`,
  );
  for (const row of rows) {
    const r = CoAnnotatedRow.parse(row);
    const key = pairKey(r.a, r.b);
    out.set(key, Math.max(out.get(key) ?? 0, r.spans));
  }
  return out;
}

/**
 * Nearest names by embedding for the run's new names, per kind and source (scopeKey), when Workers AI is
 * bound; nothing otherwise, and nothing when Workers AI fails (neighboursFor warns): the other rules run.
 */
export async function embeddingNeighbours(
  tx: WarehouseSession,
  deps: Pick<DiscoveryDeps, 'config' | 'log' | 'clock' | 'ai'>,
  newEntityNames: readonly string[],
  newFields: readonly { readonly source: string; readonly name: string }[],
  entities: readonly EntityRow[],
  fields: readonly FieldRow[],
): Promise<Pick<ConflictEvidence, 'neighbours' | 'embeddingModel'>> {
  if (!deps.ai || deps.config.embeddingsPerRun === 0) return {};
  const model = deps.config.embeddingModel;
  const neighbours = new Map<string, ReadonlyMap<string, readonly Neighbour[]>>();
  const scopes: { kind: ConflictKind; source: string; newNames: string[]; rows: readonly EmbeddableName[] }[] = [];
  if (newEntityNames.length > 0)
    scopes.push({ kind: 'entity_type', source: '', newNames: [...newEntityNames], rows: entities });
  const bySource = new Map<string, string[]>();
  for (const f of newFields) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.name]);
  for (const [source, names] of bySource) {
    scopes.push({ kind: 'field', source, newNames: names, rows: fields.filter((f) => f.source === source) });
  }
  for (const scope of scopes) {
    const found = await neighboursFor({ ai: deps.ai, log: deps.log, clock: deps.clock }, tx, {
      kind: scope.kind,
      source: scope.source,
      model,
      newNames: scope.newNames,
      rows: scope.rows,
      floor: deps.config.embeddingSupport,
      maxEmbedded: deps.config.embeddingsPerRun,
    });
    if (found.size > 0) neighbours.set(scopeKey(scope.kind, scope.source), found);
  }
  return { neighbours, embeddingModel: model };
}

/** What a run knows beyond the names themselves. */
export interface ConflictEvidence {
  readonly coAnnotated: ReadonlyMap<string, number>;
  /** Nearest names by embedding per new name, by kind and source (scopeKey); absent without embeddings. */
  readonly neighbours?: ReadonlyMap<string, ReadonlyMap<string, readonly { name: string; similarity: number }[]>>;
  readonly embeddingModel?: string;
}

/** Conflicts of the run's new names against every known name of the same kind (fields: same source). */
export function findConflicts(
  deps: Pick<DiscoveryDeps, 'config' | 'newId'>,
  newEntityNames: readonly string[],
  newFields: readonly { readonly source: string; readonly name: string }[],
  entities: readonly EntityRow[],
  fields: readonly FieldRow[],
  raised: ReadonlyMap<string, ReadonlySet<string>>,
  evidence: ConflictEvidence = { coAnnotated: new Map() },
): ConflictSummary[] {
  const { config } = deps;
  const options = {
    threshold: config.similarityThreshold,
    shortLength: config.shortNameLength,
    sharedValues: config.sharedValues,
    sharedOverlap: config.sharedOverlap,
    sharedAloneOverlap: config.sharedAloneOverlap,
    coAnnotatedSpans: config.coAnnotatedSpans,
    embeddingThreshold: config.embeddingThreshold,
    embeddingSupport: config.embeddingSupport,
  };
  const vocabulary = config.vocabulary ? defaultVocabulary() : undefined;
  const out: ConflictSummary[] = [];
  const scan = (
    kind: ConflictKind,
    source: string,
    newNames: readonly string[],
    rows: readonly {
      readonly name: string;
      readonly status: string;
      readonly mergedInto: string | null;
      readonly weight: number;
      readonly firstSeen: Date | null;
      readonly examples: readonly string[];
    }[],
  ) => {
    if (newNames.length === 0) return;
    const fresh = new Set(newNames);
    const found = detectConflicts(
      {
        newNames,
        knownNames: rows.filter((r) => !fresh.has(r.name)).map((r) => r.name),
        aliases: new Map(rows.filter((r) => r.mergedInto !== null).map((r) => [r.name, r.mergedInto as string])),
        decidedPairs: raised.get(scopeKey(kind, source)) ?? new Set(),
        weight: new Map(rows.map((r) => [r.name, r.weight])),
        firstSeen: new Map(rows.map((r) => [r.name, r.firstSeen?.getTime() ?? Number.POSITIVE_INFINITY])),
        ...(vocabulary ? { vocabulary } : {}),
        examples: new Map(rows.map((r) => [r.name, r.examples])),
        coAnnotated: kind === 'entity_type' ? evidence.coAnnotated : new Map(),
        ...neighboursIn(evidence, scopeKey(kind, source)),
      },
      options,
    );
    for (const c of found) out.push({ ...c, id: deps.newId(), kind, source });
  };
  scan(
    'entity_type',
    '',
    newEntityNames,
    entities.map((e) => ({
      name: e.name,
      status: e.status,
      mergedInto: e.mergedInto,
      weight: e.occurrences + e.proposals,
      firstSeen: e.firstSeen,
      examples: e.examples,
    })),
  );
  const bySource = new Map<string, string[]>();
  for (const f of newFields) bySource.set(f.source, [...(bySource.get(f.source) ?? []), f.name]);
  for (const [source, names] of bySource) {
    scan(
      'field',
      source,
      names,
      fields
        .filter((f) => f.source === source)
        .map((f) => ({
          name: f.name,
          status: f.status,
          mergedInto: f.mergedInto,
          weight: f.loadCount,
          firstSeen: f.firstSeen,
          examples: f.examples,
        })),
    );
  }
  return out;
}

function neighboursIn(evidence: ConflictEvidence, scope: string) {
  const neighbours = evidence.neighbours?.get(scope);
  if (!neighbours || evidence.embeddingModel === undefined) return {};
  return { neighbours, embeddingModel: evidence.embeddingModel };
}
