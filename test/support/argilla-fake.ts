// A loopback Argilla for the client and sync tests (node:http): the endpoints the sync uses, answering the
// shapes of the reference (/work/shared/reference/argilla-2x-api.md) from an in-memory model, with the
// owner key check, error bodies of both styles, and injected 429 / 5xx answers. The lead's stand-in
// (tools/argilla-standin/) replaces it once it lands.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeResponse {
  id: string;
  values: Record<string, { value: unknown }> | null;
  status: 'draft' | 'submitted' | 'discarded';
  user_id: string;
  inserted_at: string;
  updated_at: string;
}

export interface FakeRecord {
  id: string;
  fields: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  external_id: string | null;
  inserted_at: string;
  responses: FakeResponse[];
}

export interface FakeDataset {
  id: string;
  name: string;
  workspace_id: string;
  last_activity_at: string;
  questions: unknown[];
  records: FakeRecord[];
}

export interface FakeArgilla {
  readonly url: string;
  readonly datasets: FakeDataset[];
  readonly users: { id: string; username: string }[];
  /** Every request: method, path with query. */
  readonly requests: string[];
  /** Answers to give before the real one, in order: a status and optional headers. */
  readonly inject: { status: number; headers?: Record<string, string>; body?: string }[];
  apiKey: string;
  close(): Promise<void>;
}

export const WORKSPACE = '350bc020-2cd2-4a67-8b23-37a15c4d8139';

/** The span and text questions of the reference's example, over the record field `text`. */
export function questionsFor(
  datasetId: string,
  labels: readonly string[] = ['VESSEL_NAME', 'IMO_NUMBER', 'FLAG_STATE'],
) {
  return [
    {
      id: '80069251-4792-49e7-b58a-69a6117e8d32',
      name: 'entities',
      title: 'Mark the entities',
      description: null,
      required: true,
      settings: {
        type: 'span',
        field: 'text',
        options: labels.map((value) => ({ value, text: value, description: null })),
        visible_options: null,
        allow_overlapping: false,
        allow_character_annotation: true,
      },
      dataset_id: datasetId,
      inserted_at: '2024-09-26T14:17:20.541716',
      updated_at: '2024-09-26T14:17:20.541716',
    },
    {
      id: '5e7b45c3-b863-48c8-a1e8-2caa279b71e7',
      name: 'proposed_entity_type',
      title: 'Missing an entity type?',
      description: null,
      required: false,
      settings: { type: 'text', use_markdown: false },
      dataset_id: datasetId,
      inserted_at: '2024-09-26T14:17:20.551750',
      updated_at: '2024-09-26T14:17:20.551750',
    },
  ];
}

function datasetJson(d: FakeDataset) {
  return {
    id: d.id,
    name: d.name,
    guidelines: null,
    allow_extra_metadata: true,
    status: 'ready',
    distribution: { strategy: 'overlap', min_submitted: 1 },
    metadata: null,
    workspace_id: d.workspace_id,
    last_activity_at: d.last_activity_at,
    inserted_at: '2024-09-26T14:17:20.477163',
    updated_at: '2024-09-26T14:17:20.477163',
  };
}

function recordJson(d: FakeDataset, r: FakeRecord) {
  return {
    id: r.id,
    status: r.responses.some((x) => x.status === 'submitted') ? 'completed' : 'pending',
    fields: r.fields,
    metadata: r.metadata,
    external_id: r.external_id,
    responses: r.responses.map((x) => ({ ...x, record_id: r.id })),
    dataset_id: d.id,
    inserted_at: r.inserted_at,
    updated_at: r.inserted_at,
  };
}

const legacy = (code: string, params: Record<string, unknown>) => JSON.stringify({ detail: { code, params } });

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeArgilla(): Promise<FakeArgilla> {
  const fake = {
    datasets: [] as FakeDataset[],
    users: [] as { id: string; username: string }[],
    requests: [] as string[],
    inject: [] as { status: number; headers?: Record<string, string>; body?: string }[],
    apiKey: 'owner.apikey',
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    fake.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const raw = await bodyOf(req);
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if (req.headers['x-argilla-api-key'] !== fake.apiKey) {
      return send(401, legacy('argilla.api.errors::UnauthorizedError', { detail: 'Could not validate credentials' }));
    }
    const injected = fake.inject.shift();
    if (injected) return send(injected.status, injected.body ?? '{}', injected.headers ?? {});
    const path = url.pathname;
    if (req.method === 'GET' && path === '/api/v1/me/datasets') {
      const ws = url.searchParams.get('workspace_id');
      const name = url.searchParams.get('name');
      const items = fake.datasets.filter((d) => (!ws || d.workspace_id === ws) && (!name || d.name === name));
      return send(200, JSON.stringify({ items: items.map(datasetJson) }));
    }
    const users = /^\/api\/v1\/workspaces\/([^/]+)\/users$/.exec(path);
    if (req.method === 'GET' && users) {
      return send(
        200,
        JSON.stringify({
          items: fake.users.map((u) => ({
            ...u,
            first_name: u.username,
            last_name: null,
            role: 'annotator',
            inserted_at: '2024-09-01T00:00:00',
            updated_at: '2024-09-01T00:00:00',
          })),
        }),
      );
    }
    const m = /^\/api\/v1\/datasets\/([^/]+)(\/questions|\/fields|\/records\/search)?$/.exec(path);
    const dataset = m ? fake.datasets.find((d) => d.id === m[1]) : undefined;
    if (m && !dataset) return send(404, JSON.stringify({ detail: `Dataset with id \`${m[1]}\` not found` }));
    if (dataset && req.method === 'GET' && m?.[2] === undefined) return send(200, JSON.stringify(datasetJson(dataset)));
    if (dataset && req.method === 'GET' && m?.[2] === '/questions') {
      return send(200, JSON.stringify({ items: dataset.questions }));
    }
    if (dataset && req.method === 'GET' && m?.[2] === '/fields') {
      const field = {
        id: 'f1',
        name: 'text',
        title: 'text',
        required: true,
        settings: { type: 'text', use_markdown: false },
        dataset_id: dataset.id,
        inserted_at: '2024-09-26T14:17:20.5',
        updated_at: '2024-09-26T14:17:20',
      };
      return send(200, JSON.stringify({ items: [field] }));
    }
    if (dataset && req.method === 'POST' && m?.[2] === '/records/search') {
      const offset = Number(url.searchParams.get('offset') ?? '0');
      const limit = Number(url.searchParams.get('limit') ?? '50');
      if (!(limit >= 1 && limit <= 1000)) {
        return send(
          422,
          legacy('argilla.api.errors::ValidationError', {
            errors: [
              { loc: ['query', 'limit'], msg: 'Input should be less than or equal to 1000', type: 'less_than_equal' },
            ],
          }),
        );
      }
      if (url.searchParams.get('include') !== 'responses' || raw === '')
        return send(400, '{"detail":"bad test request"}');
      const body = JSON.parse(raw) as { filters?: { and: { values: string[] }[] } };
      const ids = body.filters?.and[0]?.values;
      const matching = [...dataset.records]
        .filter((r) => !ids || ids.includes(r.id))
        .sort((a, b) =>
          a.inserted_at === b.inserted_at ? (a.id < b.id ? -1 : 1) : a.inserted_at < b.inserted_at ? -1 : 1,
        );
      const items = matching
        .slice(offset, offset + limit)
        .map((r) => ({ record: recordJson(dataset, r), query_score: null }));
      return send(200, JSON.stringify({ items, total: matching.length }));
    }
    send(404, JSON.stringify({ detail: 'Not Found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
