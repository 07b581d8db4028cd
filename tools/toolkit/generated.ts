// The generated copies of the project's own schema committed under schema/generated/: what they should
// hold (every format rendered from the migrations), so `generate --all` writes them and `check` compares.

import { TABLE_RELATIONS } from '../../lib/schema/tables.ts';
import { GENERATE_FORMATS, GENERATED_FILES, renderFormat } from '../../lib/toolkit/generate/index.ts';
import type { SchemaModel } from '../../lib/toolkit/model.ts';
import { schemaDdl } from '../../lib/toolkit/to-ddl.ts';

export const GENERATED_DIR = new URL('../../schema/generated/', import.meta.url).pathname;

/** The command that rewrites every committed file. */
export const REGENERATE_COMMAND = 'npm run schema -- generate --all';

/** Each format's file name and text for `model`, read from `label`. */
export function generatedFiles(model: SchemaModel, label: string): { file: string; text: string }[] {
  return GENERATE_FORMATS.map((format) => ({
    file: GENERATED_FILES[format],
    text: renderFormat(format, model, { source: label, joins: TABLE_RELATIONS }),
  }));
}

/** The declarative whole-schema DDL, kept like the files above but next to the migrations. */
export const SCHEMA_SQL = new URL('../../sql/schema.sql', import.meta.url).pathname;

/** sql/schema.sql's text for `model`, read from `label`. */
export const schemaSqlText = (model: SchemaModel, label: string): string => schemaDdl(model, label);
