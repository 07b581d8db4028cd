// The Argilla sync inside workerd: its route's access and off switch, and the Parquet writer under workerd.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import parquetWasm from 'parquet-wasm/esm/parquet_wasm_bg.wasm';
import { describe, expect, it } from 'vitest';
import { annotationsParquet } from '../../lib/argilla/sync.ts';
import { initParquetWasm } from '../../lib/parquet/decode.ts';
import { readFooter } from '../../lib/parquet/footer.ts';
import worker from '../../workers/main/index.ts';
import { TEST_API_TOKEN } from '../support/constants.ts';

async function call(path: string, init: RequestInit = {}, overrides: Partial<Env> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`http://worker.test${path}`, init), { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe('Argilla sync in the main Worker', () => {
  it('POST /api/argilla/sync needs the token, and says the sync is off without ARGILLA_URL', async () => {
    expect((await call('/api/argilla/sync', { method: 'POST' })).status).toBe(401);
    const off = await call('/api/argilla/sync', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json' },
      body: '{"full": true}',
    });
    expect(off.status).toBe(404);
    expect(await off.json()).toEqual({
      error: { code: 'not_found', message: 'the Argilla sync is off: ARGILLA_URL is not set' },
    });
  });

  it('writes an annotations Parquet file with parquet-wasm under workerd, with its key-value metadata', async () => {
    initParquetWasm(parquetWasm);
    const bytes = annotationsParquet(
      [
        {
          record_id: 'rec-1',
          document_id: 'DOC-1',
          entity_type: 'VESSEL_NAME',
          start: 2,
          end: 8,
          text: 'Aurora',
          annotator: 'li',
          status: 'submitted',
          annotated_at: '2024-09-26T14:15:00.500000Z',
          dataset: 'vessels-v1',
          dataset_version: 'v1',
          proposal: null,
          argilla_dataset_id: 'ds',
          argilla_record_id: 'rec-1',
          argilla_response_id: 'resp-3',
          argilla_question: 'entities',
          argilla_row: 'span',
          offset_unit: 'utf16',
        },
      ],
      'proposed_entity_type',
      'argilla-batch-1',
    );
    const footer = await readFooter({
      size: bytes.byteLength,
      read: async (offset: number, length: number) => bytes.subarray(offset, offset + length),
    });
    expect(footer.numRows).toBe(1);
    expect(footer.keyValue.get('schema_version')).toBe('argilla-annotations/1');
    expect(footer.keyValue.get('batch_id')).toBe('argilla-batch-1');
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('PAR1');
  });
});
