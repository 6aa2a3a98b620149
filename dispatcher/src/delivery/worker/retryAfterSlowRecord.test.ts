import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createMetrics } from '../../ops/metrics';
import { SqliteStore } from '../../store/sqlite/sqliteStore';
import type { QueueStore } from '../../store/store';
import { event, team, webhook } from '../../testing/storeFixtures';
import { freePort } from '../../testing/freePort';
import { waitFor } from '../../testing/waitFor';
import { createAttemptSender } from '../send/attemptSender';
import { DeliveryWorker } from './deliveryWorker';
import { WebhookLimits } from './webhookLimits';

// A retry falls due before its attempt is recorded when recording takes longer than the retry
// interval (a loaded database, or the short intervals of tests). The worker woke for that retry
// when the store could not yet give it out; with a poll of a minute, only the record can wake it.

let dir: string;
let store: SqliteStore;
let worker: DeliveryWorker | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spir-slow-record-'));
  store = new SqliteStore(join(dir, 'd.db'));
});
afterEach(async () => {
  await worker?.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('claims a retry that fell due while its attempt was being recorded, without waiting for a poll', async () => {
  const port = await freePort();
  await store.teams.upsertTeam({ teamId: 't', ...team });
  const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  await store.webhooks.createWebhook(webhook('wh1', { url: `https://wh1.example.com:${port}/`, secret }));
  await store.events.recordEvent({ ...event('e1'), now: Date.now() });
  // The real store, each record of attempts answering 300 ms late.
  const slowToRecord = new Proxy<QueueStore>(store.queue, {
    get: (target, name, receiver) =>
      name !== 'recordAttemptResults'
        ? Reflect.get(target, name, receiver)
        : async (...args: Parameters<QueueStore['recordAttemptResults']>) => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            return target.recordAttemptResults(...args);
          },
  });
  worker = new DeliveryWorker({
    queue: slowToRecord,
    openSecret: (stored) => stored,
    // Nothing listens on the port: each attempt fails at once and is retried 20 ms later.
    sender: createAttemptSender({
      threads: 0,
      timeoutMs: 1_000,
      pinnedHosts: new Map([['wh1.example.com', '127.0.0.1']]),
      connectTimeoutMs: 1_000,
    }),
    now: Date.now,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(store, Date.now),
    policy: { retryIntervalMs: 20, maxRetries: 4, requestTimeoutMs: 1_000 },
    claimBatchSize: 10,
    pollIntervalMs: 60_000,
    firstSecondConcurrency: 10,
    concurrency: 10,
    webhookLimits: new WebhookLimits(8),
  });
  worker.start();

  const [listed] = await store.deliveries.listDeliveries({ teamId: 't', limit: 1 });
  const attempts = await waitFor(
    'three attempts, each retry claimed after its record',
    async () => {
      const recorded = await store.deliveries.listAttempts(listed!.id);
      return recorded.length >= 3 ? recorded : undefined;
    },
    20_000,
  );
  expect(attempts.slice(0, 3).map((attempt) => attempt.attempt_number)).toEqual([1, 2, 3]);
});
