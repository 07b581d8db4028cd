// `npm run vocabulary`: checks vocabulary/maritime.yaml and writes lib/discovery/vocabulary.json, which the
// discovery Worker bundles (Workers import JSON, not YAML). `--check` only compares, for tests and CI.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { VocabularyFile } from '../../lib/discovery/vocabulary.ts';

const ROOT = join(import.meta.dirname, '..', '..');
export const VOCABULARY_SOURCE = join(ROOT, 'vocabulary', 'maritime.yaml');
export const VOCABULARY_COMPILED = join(ROOT, 'lib', 'discovery', 'vocabulary.json');

/** The compiled JSON text of a vocabulary file; throws with the file's problems. */
export function compileVocabulary(yamlText: string, file = VOCABULARY_SOURCE): string {
  const parsed = VocabularyFile.safeParse(parse(yamlText));
  if (!parsed.success) throw new Error(`${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return `${JSON.stringify(parsed.data, null, 2)}\n`;
}

if (import.meta.main) {
  const text = compileVocabulary(readFileSync(VOCABULARY_SOURCE, 'utf8'));
  const current = readFileSync(VOCABULARY_COMPILED, 'utf8');
  if (process.argv.includes('--check')) {
    if (current !== text) {
      console.error(`${VOCABULARY_COMPILED} is out of date: run npm run vocabulary`);
      process.exit(1);
    }
    console.log('vocabulary: up to date');
  } else {
    writeFileSync(VOCABULARY_COMPILED, text);
    console.log(`vocabulary: wrote ${VOCABULARY_COMPILED}`);
  }
}
