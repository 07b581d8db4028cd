// The argilla-sync consumer (lib/argilla/queue.ts): which queue goes where, one sync per distinct
// request, retries with backoff while an error may pass, dead letters otherwise.
import { describe, expect, it } from 'vitest';
import type { ArgillaSyncRequest } from '../../lib/argilla/messages.ts';
import {
  consumerFor,
  handleArgillaSyncBatch,
  SYNC_MAX_ATTEMPTS,
  type SyncDeadLetter,
  type SyncQueueMessage,
} from '../../lib/argilla/queue.ts';
import { AppError } from '../../lib/errors.ts';
import { silentLogger } from '../../lib/log.ts';

const NOW = new Date('2026-11-21T12:00:00.000Z');

function message(id: string, body: unknown, attempts = 1): SyncQueueMessage {
  return { id, attempts, body };
}

const webhookSync = (recordId: string) => ({
  kind: 'argilla-sync',
  trigger: 'webhook',
  datasets: ['ds-1'],
  recordIds: [recordId],
});

function deps(sync: (request: ArgillaSyncRequest) => Promise<unknown> = async () => {}) {
  const calls: ArgillaSyncRequest[] = [];
  const dead: SyncDeadLetter[] = [];
  return {
    calls,
    dead,
    deps: {
      sync: async (request: ArgillaSyncRequest) => {
        calls.push(request);
        return sync(request);
      },
      deadLetter: async (letter: SyncDeadLetter) => void dead.push(letter),
      clock: () => NOW,
      log: silentLogger,
    },
  };
}

describe('consumerFor', () => {
  it('sends argilla-sync batches to the sync consumer and every other queue to ingest', () => {
    expect(['argilla-sync', 'ingest', 'anything'].map(consumerFor)).toEqual(['argilla-sync', 'ingest', 'ingest']);
  });
});

describe('handleArgillaSyncBatch', () => {
  it('syncs each distinct request once and acks every message that asked for it', async () => {
    const { calls, deps: d } = deps();
    const verdicts = await handleArgillaSyncBatch(
      [message('a', webhookSync('r-1')), message('b', webhookSync('r-1')), message('c', webhookSync('r-2'))],
      d,
    );
    expect(calls).toEqual([
      { trigger: 'webhook', datasets: ['ds-1'], recordIds: ['r-1'] },
      { trigger: 'webhook', datasets: ['ds-1'], recordIds: ['r-2'] },
    ]);
    expect(verdicts).toEqual([
      { id: 'a', action: 'ack' },
      { id: 'b', action: 'ack' },
      { id: 'c', action: 'ack' },
    ]);
  });

  it('dead-letters a message that is not a sync request, and acks it', async () => {
    const { calls, dead, deps: d } = deps();
    const verdicts = await handleArgillaSyncBatch([message('x', { kind: 'argilla-sync', trigger: 'never' })], d);
    expect(calls).toEqual([]);
    expect(verdicts).toEqual([{ id: 'x', action: 'ack' }]);
    expect(dead).toMatchObject([{ reason: 'invalid_message', attempts: 1, failedAt: NOW.toISOString() }]);
  });

  it('retries a transient failure with backoff, and dead-letters it after the last attempt', async () => {
    const failing = deps(async () => {
      throw new AppError('warehouse_unavailable', 'warehouse down');
    });
    expect(await handleArgillaSyncBatch([message('m', webhookSync('r-1'), 2)], failing.deps)).toEqual([
      { id: 'm', action: 'retry', delaySeconds: 20 },
    ]);
    expect(failing.dead).toEqual([]);
    expect(await handleArgillaSyncBatch([message('m', webhookSync('r-1'), SYNC_MAX_ATTEMPTS)], failing.deps)).toEqual([
      { id: 'm', action: 'ack' },
    ]);
    expect(failing.dead).toMatchObject([{ reason: 'failed', error: 'warehouse down', attempts: SYNC_MAX_ATTEMPTS }]);
  });

  it('dead-letters a permanent failure at once', async () => {
    const failing = deps(async () => {
      throw new AppError('bad_request', 'Argilla said 404 for dataset ds-1');
    });
    expect(await handleArgillaSyncBatch([message('m', webhookSync('r-1'))], failing.deps)).toEqual([
      { id: 'm', action: 'ack' },
    ]);
    expect(failing.dead).toMatchObject([{ reason: 'failed', error: 'Argilla said 404 for dataset ds-1' }]);
  });
});
