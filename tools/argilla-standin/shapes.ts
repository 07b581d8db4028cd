// The JSON Argilla answers with, member for member and in its order (reference sections 2 to 6).
import { formatEnvelopeTime, formatNaive, type Micros } from './format.ts';
import type {
  Dataset,
  Field,
  Question,
  Store,
  StoredRecord,
  StoredResponse,
  User,
  Webhook,
  Workspace,
} from './store.ts';

export const SERVER_VERSION = '2.6.0';

export function datasetJson(d: Dataset) {
  return {
    id: d.id,
    name: d.name,
    guidelines: d.guidelines,
    allow_extra_metadata: d.allow_extra_metadata,
    status: d.status,
    distribution: d.distribution,
    metadata: d.metadata,
    workspace_id: d.workspace_id,
    last_activity_at: formatNaive(d.last_activity_at),
    inserted_at: formatNaive(d.inserted_at),
    updated_at: formatNaive(d.updated_at),
  };
}

export function questionJson(q: Question) {
  return {
    id: q.id,
    name: q.name,
    title: q.title,
    description: q.description,
    required: q.required,
    settings: q.settings,
    dataset_id: q.dataset_id,
    inserted_at: formatNaive(q.inserted_at),
    updated_at: formatNaive(q.updated_at),
  };
}

export function fieldJson(f: Field) {
  return {
    id: f.id,
    name: f.name,
    title: f.title,
    required: f.required,
    settings: f.settings,
    dataset_id: f.dataset_id,
    inserted_at: formatNaive(f.inserted_at),
    updated_at: formatNaive(f.updated_at),
  };
}

export function responseJson(r: StoredResponse) {
  return {
    id: r.id,
    values: r.values,
    status: r.status,
    record_id: r.record_id,
    user_id: r.user_id,
    inserted_at: formatNaive(r.inserted_at),
    updated_at: formatNaive(r.updated_at),
  };
}

export interface Include {
  readonly responses: boolean;
  readonly suggestions: boolean;
  readonly vectors: boolean;
}

/** `response_model_exclude_unset=True`: `responses`, `suggestions` and `vectors` only when included. */
export function recordJson(r: StoredRecord, include: Include, onlyUserId?: string) {
  return {
    id: r.id,
    status: r.status,
    fields: r.fields,
    metadata: r.metadata,
    external_id: r.external_id,
    ...(include.responses
      ? { responses: r.responses.filter((x) => onlyUserId === undefined || x.user_id === onlyUserId).map(responseJson) }
      : {}),
    ...(include.suggestions ? { suggestions: [] } : {}),
    ...(include.vectors ? { vectors: {} } : {}),
    dataset_id: r.dataset_id,
    inserted_at: formatNaive(r.inserted_at),
    updated_at: formatNaive(r.updated_at),
  };
}

/** `GET /me` and workspace users: Argilla 2.x's `User` schema includes the user's own `api_key`. */
export function userJson(u: User) {
  return {
    id: u.id,
    first_name: u.first_name,
    last_name: u.last_name,
    username: u.username,
    role: u.role,
    api_key: u.api_key,
    inserted_at: formatNaive(u.inserted_at),
    updated_at: formatNaive(u.updated_at),
  };
}

export function webhookJson(w: Webhook) {
  return {
    id: w.id,
    url: w.url,
    secret: w.secret,
    events: w.events,
    enabled: w.enabled,
    description: w.description,
    inserted_at: formatNaive(w.inserted_at),
    updated_at: formatNaive(w.updated_at),
  };
}

// Webhook `data` schemas (webhooks/v1/schemas.py): nested objects, no dataset_id / record_id / user_id.

function workspaceEventJson(w: Workspace) {
  return { id: w.id, name: w.name, inserted_at: formatNaive(w.inserted_at), updated_at: formatNaive(w.updated_at) };
}

export function datasetEventJson(store: Store, d: Dataset) {
  const workspace = store.workspaces.get(d.workspace_id) as Workspace;
  return {
    id: d.id,
    name: d.name,
    guidelines: d.guidelines,
    allow_extra_metadata: d.allow_extra_metadata,
    status: d.status,
    distribution: d.distribution,
    workspace: workspaceEventJson(workspace),
    questions: d.questions.map(({ dataset_id: _, ...q }) => ({
      ...q,
      inserted_at: formatNaive(q.inserted_at),
      updated_at: formatNaive(q.updated_at),
    })),
    fields: d.fields.map(({ dataset_id: _, ...f }) => ({
      ...f,
      inserted_at: formatNaive(f.inserted_at),
      updated_at: formatNaive(f.updated_at),
    })),
    metadata_properties: [],
    vectors_settings: [],
    last_activity_at: formatNaive(d.last_activity_at),
    inserted_at: formatNaive(d.inserted_at),
    updated_at: formatNaive(d.updated_at),
  };
}

export function recordEventJson(store: Store, r: StoredRecord) {
  return {
    id: r.id,
    status: r.status,
    fields: r.fields,
    metadata: r.metadata,
    external_id: r.external_id,
    dataset: datasetEventJson(store, store.dataset(r.dataset_id)),
    inserted_at: formatNaive(r.inserted_at),
    updated_at: formatNaive(r.updated_at),
  };
}

export function responseEventJson(store: Store, response: StoredResponse, record: StoredRecord) {
  const user = store.users.get(response.user_id) as User;
  return {
    id: response.id,
    values: response.values,
    status: response.status,
    record: recordEventJson(store, record),
    user: {
      id: user.id,
      first_name: user.first_name,
      last_name: user.last_name,
      username: user.username,
      role: user.role,
      inserted_at: formatNaive(user.inserted_at),
      updated_at: formatNaive(user.updated_at),
    },
    inserted_at: formatNaive(response.inserted_at),
    updated_at: formatNaive(response.updated_at),
  };
}

/** `_build_payload`: `{type, version, timestamp, data}`; `timestamp` is the event time with six digits and `Z`. */
export function envelope(type: string, at: Micros, data: unknown) {
  return { type, version: 1, timestamp: formatEnvelopeTime(at), data };
}
