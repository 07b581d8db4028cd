// The stand-in's state: workspaces, users, datasets with their fields, questions, records and responses,
// and webhooks. Mutations follow Argilla's rules (one response per record and user, record status from
// `distribution.min_submitted`, `last_activity_at` touched by single-response changes only) and report
// the events Argilla would send.
import { randomBytes, randomUUID } from 'node:crypto';
import { notFound, notUnique, unprocessable } from './errors.ts';
import type { Fixture, FixtureDataset, FixtureRecord, FixtureResponse } from './fixture.ts';
import { type Micros, microsFromDate, parseNaive } from './format.ts';

export type Role = 'owner' | 'admin' | 'annotator';
export type ResponseStatus = 'draft' | 'submitted' | 'discarded';
export type Values = Record<string, { value: unknown }>;

export interface Workspace {
  readonly id: string;
  readonly name: string;
  readonly inserted_at: Micros;
  readonly updated_at: Micros;
}

export interface User {
  readonly id: string;
  first_name: string;
  last_name: string | null;
  readonly username: string;
  role: Role;
  api_key: string;
  readonly workspaceIds: Set<string>;
  readonly inserted_at: Micros;
  updated_at: Micros;
}

export interface Question {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly description: string | null;
  readonly required: boolean;
  readonly settings: Record<string, unknown>;
  readonly dataset_id: string;
  readonly inserted_at: Micros;
  updated_at: Micros;
}

export interface Field {
  readonly id: string;
  readonly name: string;
  readonly title: string;
  readonly required: boolean;
  readonly settings: Record<string, unknown>;
  readonly dataset_id: string;
  readonly inserted_at: Micros;
  readonly updated_at: Micros;
}

export interface StoredResponse {
  readonly id: string;
  values: Values | null;
  status: ResponseStatus;
  readonly record_id: string;
  readonly user_id: string;
  readonly inserted_at: Micros;
  updated_at: Micros;
}

export interface StoredRecord {
  readonly id: string;
  status: 'pending' | 'completed';
  readonly fields: Record<string, unknown>;
  readonly metadata: Record<string, unknown> | null;
  readonly external_id: string | null;
  readonly dataset_id: string;
  readonly inserted_at: Micros;
  updated_at: Micros;
  /** Ordered by inserted_at, as Argilla returns them. */
  readonly responses: StoredResponse[];
}

export interface Dataset {
  readonly id: string;
  readonly name: string;
  readonly guidelines: string | null;
  readonly allow_extra_metadata: boolean;
  readonly status: 'draft' | 'ready';
  readonly distribution: { strategy: 'overlap'; min_submitted: number };
  readonly metadata: Record<string, unknown> | null;
  readonly workspace_id: string;
  last_activity_at: Micros;
  readonly inserted_at: Micros;
  readonly updated_at: Micros;
  readonly fields: Field[];
  readonly questions: Question[];
  /** Ordered by inserted_at (then insertion), as SQL would list them. */
  readonly records: StoredRecord[];
}

export const WEBHOOK_EVENTS = [
  'dataset.created',
  'dataset.updated',
  'dataset.deleted',
  'dataset.published',
  'record.created',
  'record.updated',
  'record.deleted',
  'record.completed',
  'response.created',
  'response.updated',
  'response.deleted',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface Webhook {
  readonly id: string;
  url: string;
  readonly secret: string;
  events: WebhookEvent[];
  enabled: boolean;
  description: string | null;
  readonly inserted_at: Micros;
  updated_at: Micros;
}

/** What a change would make Argilla send; `subject` is read when the event is serialised. */
export type StoreEvent =
  | {
      readonly type: 'response.created' | 'response.updated' | 'response.deleted';
      readonly at: Micros;
      readonly response: StoredResponse;
      readonly record: StoredRecord;
    }
  | { readonly type: 'record.updated' | 'record.completed'; readonly at: Micros; readonly record: StoredRecord };

export interface ResponseInput {
  readonly recordId: string;
  /** The annotator, by username. */
  readonly username: string;
  readonly status: ResponseStatus;
  readonly values?: Values | null;
}

/** A key and who holds it, for `startArgillaStandin({ apiKeys })`. */
export interface ApiKeyUser {
  readonly username: string;
  readonly role: Role;
  /** Workspace names; unknown ones are created. */
  readonly workspaces: readonly string[];
}

export const MAXIMUM_NUMBER_OF_WEBHOOKS = 10;

export class Store {
  readonly workspaces = new Map<string, Workspace>();
  readonly users = new Map<string, User>();
  readonly datasets: Dataset[] = [];
  readonly webhooks: Webhook[] = [];
  private readonly records = new Map<string, StoredRecord>();
  private readonly responses = new Map<string, StoredResponse>();
  private last: Micros = 0;
  private readonly listeners: ((event: StoreEvent) => void)[] = [];

  private readonly clock: () => Date;

  constructor(clock: () => Date) {
    this.clock = clock;
  }

  /** Now, strictly after every timestamp handed out before (so a change always moves `last_activity_at`). */
  now(): Micros {
    const t = Math.max(microsFromDate(this.clock()), this.last + 1);
    this.last = t;
    return t;
  }

  onEvent(listener: (event: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private stamp(text: string | undefined, fallback: Micros): Micros {
    if (text === undefined) return fallback;
    const t = parseNaive(text);
    this.last = Math.max(this.last, t);
    return t;
  }

  workspaceByName(name: string): Workspace | undefined {
    return [...this.workspaces.values()].find((w) => w.name === name);
  }

  ensureWorkspace(name: string, id: string = randomUUID(), at?: Micros): Workspace {
    const existing = this.workspaceByName(name);
    if (existing) return existing;
    const t = at ?? this.now();
    const workspace = { id, name, inserted_at: t, updated_at: t };
    this.workspaces.set(id, workspace);
    return workspace;
  }

  userByName(username: string): User | undefined {
    return [...this.users.values()].find((u) => u.username === username);
  }

  userByKey(key: string): User | undefined {
    return [...this.users.values()].find((u) => u.api_key === key);
  }

  ensureUser(input: {
    username: string;
    role: Role;
    workspaces?: readonly string[];
    id?: string | undefined;
    first_name?: string | undefined;
    last_name?: string | null | undefined;
    inserted_at?: Micros;
  }): User {
    let user = this.userByName(input.username);
    if (!user) {
      const t = input.inserted_at ?? this.now();
      user = {
        id: input.id ?? randomUUID(),
        first_name: input.first_name ?? input.username,
        last_name: input.last_name ?? null,
        username: input.username,
        role: input.role,
        // Like `secrets.token_urlsafe(80)`: a key nobody holds until one is given.
        api_key: randomBytes(80).toString('base64url'),
        workspaceIds: new Set(),
        inserted_at: t,
        updated_at: t,
      };
      this.users.set(user.id, user);
    }
    user.role = input.role;
    for (const name of input.workspaces ?? []) user.workspaceIds.add(this.ensureWorkspace(name).id);
    return user;
  }

  /** Gives `key` to the user (created when unknown) with that role and those workspaces. */
  grantKey(key: string, holder: ApiKeyUser): User {
    const user = this.ensureUser(holder);
    user.api_key = key;
    return user;
  }

  seed(fixture: Fixture): void {
    const t0 = this.now();
    for (const w of fixture.workspaces ?? []) this.ensureWorkspace(w.name, w.id, this.stamp(w.inserted_at, t0));
    for (const u of fixture.users ?? []) {
      this.ensureUser({
        username: u.username,
        role: u.role,
        workspaces: u.workspaces ?? [],
        id: u.id,
        first_name: u.first_name,
        last_name: u.last_name,
        inserted_at: this.stamp(u.inserted_at, t0),
      });
    }
    for (const d of fixture.datasets ?? []) this.addDataset(d);
  }

  dataset(id: string): Dataset {
    const dataset = this.datasets.find((d) => d.id === id);
    if (!dataset) throw notFound('Dataset', id);
    return dataset;
  }

  datasetByName(name: string, workspaceName?: string): Dataset | undefined {
    const workspace = workspaceName === undefined ? undefined : this.workspaceByName(workspaceName);
    return this.datasets.find((d) => d.name === name && (workspace === undefined || d.workspace_id === workspace.id));
  }

  record(id: string): StoredRecord {
    const record = this.records.get(id);
    if (!record) throw notFound('Record', id);
    return record;
  }

  response(id: string): StoredResponse {
    const response = this.responses.get(id);
    if (!response) throw notFound('Response', id);
    return response;
  }

  addDataset(d: FixtureDataset): Dataset {
    const workspace = this.ensureWorkspace(d.workspace);
    if (this.datasets.some((x) => x.name === d.name && x.workspace_id === workspace.id)) {
      throw notUnique(`Dataset with name \`${d.name}\` already exists for workspace with id \`${workspace.id}\``);
    }
    const id = d.id ?? randomUUID();
    const t = this.stamp(d.inserted_at, this.now());
    const dataset: Dataset = {
      id,
      name: d.name,
      guidelines: d.guidelines ?? null,
      allow_extra_metadata: d.allow_extra_metadata ?? true,
      status: d.status ?? 'ready',
      distribution: d.distribution ?? { strategy: 'overlap', min_submitted: 1 },
      metadata: d.metadata ?? null,
      workspace_id: workspace.id,
      last_activity_at: t,
      inserted_at: t,
      updated_at: t,
      fields: d.fields.map((f) => ({
        id: f.id ?? randomUUID(),
        name: f.name,
        title: f.title ?? f.name,
        required: f.required ?? true,
        settings: f.settings ?? { type: 'text', use_markdown: false },
        dataset_id: id,
        inserted_at: t,
        updated_at: t,
      })),
      questions: d.questions.map((q) => ({
        id: q.id ?? randomUUID(),
        name: q.name,
        title: q.title ?? q.name,
        description: q.description ?? null,
        required: q.required ?? true,
        settings: q.settings,
        dataset_id: id,
        inserted_at: t,
        updated_at: t,
      })),
      records: [],
    };
    this.datasets.push(dataset);
    this.datasets.sort((a, b) => a.inserted_at - b.inserted_at);
    for (const r of d.records ?? []) this.addRecord(dataset, r);
    return dataset;
  }

  /** Adds a record with its responses as the records bulk endpoint would: no response events, no activity. */
  addRecord(dataset: Dataset, r: FixtureRecord): StoredRecord {
    const t = this.stamp(r.inserted_at, this.now());
    const record: StoredRecord = {
      id: r.id ?? randomUUID(),
      status: 'pending',
      fields: r.fields,
      metadata: r.metadata ?? null,
      external_id: r.external_id ?? null,
      dataset_id: dataset.id,
      inserted_at: t,
      updated_at: t,
      responses: [],
    };
    this.records.set(record.id, record);
    dataset.records.push(record);
    for (const fr of r.responses ?? []) this.addSeedResponse(dataset, record, fr);
    record.status = this.completed(dataset, record) ? 'completed' : 'pending';
    // A seeded history has activity as of its newest response.
    for (const response of record.responses)
      dataset.last_activity_at = Math.max(dataset.last_activity_at, response.updated_at);
    return record;
  }

  private addSeedResponse(dataset: Dataset, record: StoredRecord, fr: FixtureResponse): void {
    const user = this.userByName(fr.user) ?? this.ensureUser({ username: fr.user, role: 'annotator' });
    if (!user.workspaceIds.has(dataset.workspace_id) && user.role !== 'owner')
      user.workspaceIds.add(dataset.workspace_id);
    if (record.responses.some((x) => x.user_id === user.id)) {
      throw notUnique(`Response already exists for record with id \`${record.id}\` and by user with id \`${user.id}\``);
    }
    const values = fr.values ?? null;
    validateValues(dataset, record, fr.status, values);
    const inserted = this.stamp(fr.inserted_at, this.now());
    const response: StoredResponse = {
      id: fr.id ?? randomUUID(),
      values,
      status: fr.status,
      record_id: record.id,
      user_id: user.id,
      inserted_at: inserted,
      updated_at: this.stamp(fr.updated_at, inserted),
    };
    this.responses.set(response.id, response);
    insertByInsertedAt(record.responses, response);
  }

  private completed(dataset: Dataset, record: StoredRecord): boolean {
    return record.responses.filter((r) => r.status === 'submitted').length >= dataset.distribution.min_submitted;
  }

  /** `update_record_status`: the record's status (and then only its `updated_at`) follows its responses. */
  private refreshRecordStatus(dataset: Dataset, record: StoredRecord, at: Micros): void {
    const status = this.completed(dataset, record) ? 'completed' : 'pending';
    if (status !== record.status) {
      record.status = status;
      record.updated_at = at;
    }
  }

  /**
   * A single-response create or update (`POST /records/{id}/responses`, `PUT /responses/{id}`, an upsert):
   * touches `last_activity_at` and sends `response.created|updated`, `record.updated` and, when the record is
   * completed, `record.completed`. With `bulk`, like responses given to the records bulk endpoint: no
   * `response.*` events and no activity.
   */
  upsertResponse(
    input: ResponseInput,
    { bulk = false }: { bulk?: boolean } = {},
  ): { response: StoredResponse; created: boolean } {
    const record = this.record(input.recordId);
    const dataset = this.dataset(record.dataset_id);
    const user = this.userByName(input.username);
    if (!user) throw unprocessable(`User with username \`${input.username}\` not found`);
    const values = input.values ?? null;
    validateValues(dataset, record, input.status, values);
    const at = this.now();
    const existing = record.responses.find((r) => r.user_id === user.id);
    let response: StoredResponse;
    if (existing) {
      existing.values = values;
      existing.status = input.status;
      existing.updated_at = at;
      response = existing;
    } else {
      response = {
        id: randomUUID(),
        values,
        status: input.status,
        record_id: record.id,
        user_id: user.id,
        inserted_at: at,
        updated_at: at,
      };
      this.responses.set(response.id, response);
      insertByInsertedAt(record.responses, response);
    }
    this.refreshRecordStatus(dataset, record, at);
    if (bulk) {
      this.emit({ type: 'record.updated', at, record });
      return { response, created: !existing };
    }
    dataset.last_activity_at = at;
    this.emit({ type: existing ? 'response.updated' : 'response.created', at, response: { ...response }, record });
    this.afterResponseChange(record, at);
    return { response, created: !existing };
  }

  /** `DELETE /api/v1/responses/{id}`: sends `response.deleted` with the response as it was. */
  deleteResponse(id: string): StoredResponse {
    const response = this.response(id);
    const record = this.record(response.record_id);
    const dataset = this.dataset(record.dataset_id);
    const at = this.now();
    record.responses.splice(record.responses.indexOf(response), 1);
    this.responses.delete(id);
    this.refreshRecordStatus(dataset, record, at);
    dataset.last_activity_at = at;
    this.emit({ type: 'response.deleted', at, response, record });
    this.afterResponseChange(record, at);
    return response;
  }

  private afterResponseChange(record: StoredRecord, at: Micros): void {
    this.emit({ type: 'record.updated', at, record });
    if (record.status === 'completed') this.emit({ type: 'record.completed', at, record });
  }

  /** Adds a label to a span question, which Argilla itself cannot do (its labels are read-only once published). */
  addSpanLabel(dataset: Dataset, label: string): Question {
    const question = dataset.questions.find((q) => q.settings.type === 'span');
    if (!question) throw unprocessable(`Dataset \`${dataset.id}\` has no span question`);
    const options = question.settings.options as { value: string }[];
    if (!options.some((o) => o.value === label)) {
      options.push({ value: label, text: label, description: null } as { value: string });
      question.updated_at = this.now();
    }
    return question;
  }

  addWebhook(input: { url: string; events: WebhookEvent[]; description: string | null }): Webhook {
    if (this.webhooks.length >= MAXIMUM_NUMBER_OF_WEBHOOKS) {
      throw unprocessable(
        `You can't create more than ${MAXIMUM_NUMBER_OF_WEBHOOKS} webhooks. Please delete some of them first`,
      );
    }
    const t = this.now();
    // `base64.b64encode(secrets.token_bytes(64))`: 88 characters, no `whsec_` prefix.
    const webhook: Webhook = {
      id: randomUUID(),
      secret: randomBytes(64).toString('base64'),
      enabled: true,
      inserted_at: t,
      updated_at: t,
      ...input,
    };
    this.webhooks.push(webhook);
    return webhook;
  }

  webhook(id: string): Webhook {
    const webhook = this.webhooks.find((w) => w.id === id);
    if (!webhook) throw notFound('Webhook', id);
    return webhook;
  }

  deleteWebhook(id: string): Webhook {
    const webhook = this.webhook(id);
    this.webhooks.splice(this.webhooks.indexOf(webhook), 1);
    return webhook;
  }
}

function insertByInsertedAt(list: StoredResponse[], response: StoredResponse): void {
  const at = list.findIndex((r) => r.inserted_at > response.inserted_at);
  if (at < 0) list.push(response);
  else list.splice(at, 0, response);
}

/** Python's `len(str)`: code points, not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The server's checks on response values (`validators/response_values.py`), messages as close as known. */
export function validateValues(
  dataset: Dataset,
  record: StoredRecord,
  status: ResponseStatus,
  values: Values | null,
): void {
  if (values === null) {
    if (status === 'submitted') throw unprocessable('missing response values for submitted response');
    return;
  }
  const unknown = Object.keys(values).filter((name) => !dataset.questions.some((q) => q.name === name));
  if (unknown.length > 0) {
    throw unprocessable(`found responses for non configured questions: [${unknown.map((n) => `'${n}'`).join(', ')}]`);
  }
  if (status === 'submitted') {
    for (const q of dataset.questions) {
      if (q.required && values[q.name] === undefined) throw unprocessable(`missing question with name=${q.name}`);
    }
  }
  for (const q of dataset.questions) {
    const answer = values[q.name];
    if (answer === undefined) continue;
    const kind = q.settings.type;
    if ((kind === 'text' || kind === 'label_selection') && typeof answer.value !== 'string') {
      throw unprocessable(
        `${kind === 'text' ? 'text' : 'label_selection'} question expects a str value, found ${typeof answer.value}`,
      );
    }
    if (kind === 'span') validateSpans(q, record, answer.value);
  }
}

function validateSpans(question: Question, record: StoredRecord, value: unknown): void {
  if (!Array.isArray(value)) throw unprocessable(`span question expects a list of values, found ${typeof value}`);
  if (value.length > 10_000) throw unprocessable('span question expects a list of values with at most 10000 items');
  const fieldName = question.settings.field as string;
  const text = record.fields[fieldName];
  if (typeof text !== 'string') throw unprocessable(`span question requires record to have field \`${fieldName}\``);
  const length = codePointLength(text);
  const labels = (question.settings.options as { value: string }[]).map((o) => o.value);
  const spans: { start: number; end: number }[] = [];
  for (const item of value as unknown[]) {
    const span = item as { label?: unknown; start?: unknown; end?: unknown };
    if (typeof span?.label !== 'string' || !Number.isInteger(span.start) || !Number.isInteger(span.end)) {
      throw unprocessable('span question response value items need a str label and int start and end');
    }
    const start = span.start as number;
    const end = span.end as number;
    if (start < 0 || end < 1 || end <= start)
      throw unprocessable("span question response value 'end' must have a value greater than 'start'");
    if (!labels.includes(span.label)) {
      throw unprocessable(
        `undefined label '${span.label}' for span question.\nValid labels are: [${labels.map((l) => `'${l}'`).join(', ')}]`,
      );
    }
    if (start > length - 1)
      throw unprocessable(`span question response value 'start' must have a value lower than ${length - 1}`);
    if (end > length)
      throw unprocessable(`span question response value 'end' must have a value lower or equal than ${length}`);
    spans.push({ start, end });
  }
  if (question.settings.allow_overlapping !== true) {
    for (let i = 0; i < spans.length; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        const a = spans[i] as { start: number; end: number };
        const b = spans[j] as { start: number; end: number };
        if (a.start < b.end && b.start < a.end)
          throw unprocessable(`overlapping values found between spans at index idx=${i} and idx=${j}`);
      }
    }
  }
}
