// The labelled evaluation set of name pairs (test/fixtures/conflict-pairs.json): its shape, and the
// detector's precision and recall on it without embeddings, with no spelling-only case lost.
import { describe, expect, it } from 'vitest';
import { readPairs, scorePairs, spellingOnly, withRules } from '../../tools/bench/conflicts.ts';

const pairs = readPairs();

describe('the labelled conflict pairs', () => {
  it('hold at least 300 distinct pairs of both labels, with the hard negatives the issue names', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    const keys = pairs.map((p) => `${p.kind}:${[p.a, p.b].sort().join('\u0000')}`);
    expect(new Set(keys).size).toBe(pairs.length);
    const labels = new Set(pairs.map((p) => p.label));
    expect(labels).toEqual(new Set(['duplicate', 'distinct']));
    const distinct = new Set(pairs.filter((p) => p.label === 'distinct').map((p) => [p.a, p.b].sort().join(' / ')));
    for (const hard of ['PART / PORT', 'DRAFT_AFT / DRAFT_FORWARD', 'address_line_1 / address_line_2']) {
      expect(distinct, hard).toContain(hard);
    }
  });

  it('are found with precision and recall of at least 0.9 by the vocabulary and value rules, losing no spelling case', () => {
    const full = scorePairs(pairs, withRules);
    const spelling = scorePairs(pairs, spellingOnly);
    expect(full.precision).toBeGreaterThanOrEqual(0.9);
    expect(full.recall).toBeGreaterThanOrEqual(0.9);
    const lost = [...spelling.found].filter((p) => p.label === 'duplicate' && !full.found.has(p));
    expect(lost).toEqual([]);
    // The set is not one spelling alone solves.
    expect(spelling.recall).toBeLessThan(0.5);
  });
});
