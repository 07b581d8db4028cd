// The fixture file format the stand-in is seeded from (tools/argilla-standin/fixtures/*.json).
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/, 'a naive-UTC ISO timestamp');
const Id = z.uuid();

export const FixtureResponse = z.strictObject({
  id: Id.optional(),
  /** Username of the annotator. */
  user: z.string(),
  status: z.enum(['draft', 'submitted', 'discarded']),
  values: z
    .record(z.string(), z.strictObject({ value: z.unknown() }))
    .nullable()
    .optional(),
  inserted_at: Timestamp.optional(),
  updated_at: Timestamp.optional(),
});
export type FixtureResponse = z.infer<typeof FixtureResponse>;

export const FixtureRecord = z.strictObject({
  id: Id.optional(),
  external_id: z.string().nullable().optional(),
  fields: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  inserted_at: Timestamp.optional(),
  responses: z.array(FixtureResponse).optional(),
});
export type FixtureRecord = z.infer<typeof FixtureRecord>;

export const FixtureField = z.strictObject({
  id: Id.optional(),
  name: z.string(),
  title: z.string().optional(),
  required: z.boolean().optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
});

export const FixtureQuestion = z.strictObject({
  id: Id.optional(),
  name: z.string(),
  title: z.string().optional(),
  description: z.string().nullable().optional(),
  required: z.boolean().optional(),
  settings: z.looseObject({
    type: z.enum(['text', 'rating', 'label_selection', 'multi_label_selection', 'ranking', 'span']),
  }),
});

export const FixtureDataset = z.strictObject({
  id: Id.optional(),
  name: z.string(),
  /** Workspace name. */
  workspace: z.string(),
  guidelines: z.string().nullable().optional(),
  allow_extra_metadata: z.boolean().optional(),
  status: z.enum(['draft', 'ready']).optional(),
  distribution: z.strictObject({ strategy: z.literal('overlap'), min_submitted: z.int().min(1) }).optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
  inserted_at: Timestamp.optional(),
  fields: z.array(FixtureField).min(1),
  questions: z.array(FixtureQuestion).min(1),
  records: z.array(FixtureRecord).optional(),
});
export type FixtureDataset = z.infer<typeof FixtureDataset>;

export const FixtureUser = z.strictObject({
  id: Id.optional(),
  username: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().nullable().optional(),
  role: z.enum(['owner', 'admin', 'annotator']),
  /** Workspace names. */
  workspaces: z.array(z.string()).optional(),
  inserted_at: Timestamp.optional(),
});
export type FixtureUser = z.infer<typeof FixtureUser>;

export const Fixture = z.strictObject({
  $comment: z.string().optional(),
  workspaces: z
    .array(z.strictObject({ id: Id.optional(), name: z.string(), inserted_at: Timestamp.optional() }))
    .optional(),
  users: z.array(FixtureUser).optional(),
  datasets: z.array(FixtureDataset).optional(),
});
export type Fixture = z.infer<typeof Fixture>;

/** Reads and checks a fixture file; the error names the file and the first wrong member. */
export function readFixture(path: string): Fixture {
  const parsed = Fixture.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

export const MARITIME_FIXTURE = new URL('./fixtures/maritime.json', import.meta.url).pathname;
