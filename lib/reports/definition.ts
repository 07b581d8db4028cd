// What a saved report is: a name, the SQL with its parameters, the mode it runs in (with its instant or
// version), optional key columns, and the request each run sends to the query engine.
import { z } from 'zod';
import { MAX_ROW_LIMIT, QUERY_MODES, type QueryMode, type QueryParam, type QueryRequest } from '../query/contract.ts';

const Mode = z.enum(QUERY_MODES as [QueryMode, ...QueryMode[]]);

/** The body of POST /api/reports. */
export const ReportInput = z
  .strictObject({
    name: z.string().trim().min(1).max(200).meta({ description: 'unique among reports' }),
    sql: z.string().min(1).max(100_000).meta({ description: 'one SELECT, as POST /api/query takes it' }),
    mode: Mode.default('live'),
    params: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .max(100)
      .default([])
      .meta({ description: 'values of $1, $2, ...' }),
    key: z
      .array(z.string().min(1))
      .min(1)
      .max(16)
      .refine((names) => new Set(names).size === names.length, 'a key column is named twice')
      .optional()
      .meta({
        description: 'result columns that identify a row, for diffs by key; without it diffs compare whole rows',
      }),
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'time_travel: the instant the data is seen as of (required there only)' }),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .meta({ description: 'snapshot: the schema version (required there only)' }),
    limit: z.number().int().min(1).max(MAX_ROW_LIMIT).optional().meta({ description: 'rows a run keeps at most' }),
    createdBy: z.string().trim().min(1).max(200).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.mode === 'time_travel' && input.at === undefined)
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'time_travel needs the instant `at`' });
    if (input.mode !== 'time_travel' && input.at !== undefined)
      ctx.addIssue({ code: 'custom', path: ['at'], message: 'only time_travel takes `at`' });
    if (input.mode === 'snapshot' && input.version === undefined)
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'snapshot needs the schema `version`' });
    if (input.mode !== 'snapshot' && input.version !== undefined)
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'only snapshot takes `version`' });
  });
export type ReportInput = z.infer<typeof ReportInput>;

export interface ReportDefinition {
  readonly name: string;
  readonly sql: string;
  readonly mode: QueryMode;
  readonly params: readonly QueryParam[];
  /** Key columns; null: diffs compare whole rows. */
  readonly key: readonly string[] | null;
  readonly at: Date | null;
  readonly version: number | null;
  readonly limit: number | null;
  readonly createdBy: string | null;
}

export interface SavedReport extends ReportDefinition {
  readonly id: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The definition a parsed body describes. */
export function definitionOf(input: ReportInput): ReportDefinition {
  return {
    name: input.name,
    sql: input.sql,
    mode: input.mode,
    params: input.params,
    key: input.key ?? null,
    at: input.at === undefined ? null : new Date(input.at),
    version: input.version ?? null,
    limit: input.limit ?? null,
    createdBy: input.createdBy ?? null,
  };
}

/** The query engine request of one run of the report. */
export function requestFor(id: string, report: ReportDefinition): QueryRequest {
  return {
    sql: report.sql,
    mode: report.mode,
    params: report.params,
    executedBy: `report:${id}`,
    savedQueryId: id,
    ...(report.at ? { at: report.at } : {}),
    ...(report.version !== null ? { version: report.version } : {}),
    ...(report.limit !== null ? { limit: report.limit } : {}),
  };
}
