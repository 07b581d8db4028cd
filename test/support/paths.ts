import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CANDIDATES = [
  process.env.PARQUET_CORPUS_DIR,
  fileURLToPath(new URL('../../../shared/corpus/parquet-testing/', import.meta.url)),
  '/work/shared/corpus/parquet-testing/',
].filter((p): p is string => p !== undefined && p !== '');

/** Apache parquet-testing files (good ones in data/, malformed ones in bad_data/), shipped beside the repo. */
export const CORPUS_DIR: string = (() => {
  const found = CANDIDATES.find((dir) => existsSync(`${dir}/data`));
  if (!found) {
    throw new Error(`parquet-testing corpus not found (looked in ${CANDIDATES.join(', ')}); set PARQUET_CORPUS_DIR`);
  }
  return found.endsWith('/') ? found : `${found}/`;
})();
