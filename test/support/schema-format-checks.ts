// Checks the schema format tests share: the Mermaid grammar, compiling and importing a zod module, ajv
// with the 2020-12 meta-schema, and real structured_data rows produced by DuckDB from CSV files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import mermaid from 'mermaid';
import ts from 'typescript';

const CACHE = new URL('../../node_modules/.cache/living-schema/schema-formats/', import.meta.url).pathname;
let counter = 0;

/** Parses with Mermaid's own parser (its erDiagram grammar); throws with the parser's message. */
export async function parseMermaid(text: string): Promise<string> {
  const result = await mermaid.parse(text);
  if (!result) throw new Error('mermaid.parse returned false');
  return result.diagramType;
}

/** Transpile and type-check the module against the project's zod; returns the diagnostics' text. */
export function compileZodModule(source: string): { js: string; diagnostics: string[]; file: string } {
  mkdirSync(CACHE, { recursive: true });
  counter += 1;
  const file = join(CACHE, `schema-${process.pid}-${counter}.ts`);
  writeFileSync(file, source);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
  };
  const program = ts.createProgram([file], options);
  const diagnostics = ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const out = ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    reportDiagnostics: true,
  });
  for (const d of out.diagnostics ?? []) diagnostics.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return { js: out.outputText, diagnostics, file };
}

// biome-ignore lint/suspicious/noExplicitAny: the generated module's exports are checked by the tests.
export type ZodModule = Record<string, any>;

/** Writes the transpiled module next to the project's node_modules (so `zod` resolves) and imports it. */
export async function importZodModule(source: string): Promise<ZodModule> {
  const { js, diagnostics, file } = compileZodModule(source);
  if (diagnostics.length > 0) throw new Error(`zod module does not compile:\n${diagnostics.join('\n')}`);
  const mjs = file.replace(/\.ts$/, '.mjs');
  writeFileSync(mjs, js);
  return import(/* @vite-ignore */ pathToFileURL(mjs).href);
}

/** An ajv for draft 2020-12 that validates schemas against the meta-schema. */
export function createAjv(): Ajv2020 {
  return new Ajv2020({ strict: true, allErrors: true, validateSchema: true });
}

/** The `data` JSON of each CSV row as ingestion stores it: DuckDB's to_json over read_csv's columns. */
export async function csvRows(csv: string): Promise<unknown[]> {
  mkdirSync(CACHE, { recursive: true });
  counter += 1;
  const file = join(CACHE, `rows-${process.pid}-${counter}.csv`);
  writeFileSync(file, csv);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `SELECT to_json(t)::VARCHAR AS data FROM read_csv('${file.replaceAll("'", "''")}') t`,
    );
    return reader.getRowObjectsJS().map((r) => JSON.parse(String(r.data)));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
