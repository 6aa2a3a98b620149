import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createMetrics } from '../ops/metrics';
import { SqliteStore } from '../store/sqliteStore';
import { createAttemptSender } from './attemptSender';
import { claimWindowMs, DeliveryWorker } from './deliveryWorker';

let dir: string;
let store: SqliteStore;
let worker: DeliveryWorker;

function startWorker(options: {
  concurrency: number;
  perWebhookConcurrency: number;
  firstSecondConcurrency?: number;
}): DeliveryWorker {
  const started = new DeliveryWorker({
    store,
    openSecret: (stored) => stored,
    sender: createAttemptSender({ threads: 0, timeoutMs: 1_000, pinnedHosts: new Map(), connectTimeoutMs: 1_000 }),
    now: Date.now,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(store, Date.now),
    policy: { retryIntervalMs: 1_000, maxRetries: 4, requestTimeoutMs: 1_000 },
    claimBatchSize: 10,
    pollIntervalMs: 50,
    firstSecondConcurrency: options.concurrency,
    ...options,
  });
  started.start();
  return started;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spir-worker-'));
  store = new SqliteStore(join(dir, 'd.db'));
});
afterEach(async () => {
  await worker.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the worker's side of the ingest handoff", () => {
  it("takes fresh deliveries up to one below a webhook's limit, leaving that slot to claims", () => {
    worker = startWorker({ concurrency: 100, perWebhookConcurrency: 8 });
    // A new webhook starts at a limit of two: one slot for the handoff, one for claims.
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_a')).toBe(false);
    expect(worker.reserve('wh_b')).toBe(true);
    worker.release('wh_a');
    expect(worker.reserve('wh_a')).toBe(true);
    worker.release('wh_a');
    worker.release('wh_b');
  });

  it('takes nothing once the worker is full or stopping', async () => {
    worker = startWorker({ concurrency: 2, perWebhookConcurrency: 8 });
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_b')).toBe(true);
    expect(worker.reserve('wh_c')).toBe(false);
    worker.release('wh_a');
    worker.release('wh_b');
    await worker.stop();
    expect(worker.reserve('wh_a')).toBe(false);
  });

  it('takes nothing while as many attempts as the first-second budget are young, whatever room is left', () => {
    worker = startWorker({ concurrency: 100, perWebhookConcurrency: 8, firstSecondConcurrency: 2 });
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_b')).toBe(true);
    expect(worker.reserve('wh_c')).toBe(false);
    worker.release('wh_a');
    expect(worker.reserve('wh_c')).toBe(true);
    worker.release('wh_b');
    worker.release('wh_c');
  });

  it("takes nothing for a webhook limited to one attempt at a time: that one slot is the claims'", () => {
    worker = startWorker({ concurrency: 100, perWebhookConcurrency: 1 });
    expect(worker.reserve('wh_a')).toBe(false);
  });
});

describe('the window that gathers wake-ups into one claim', () => {
  it('is 2 ms while claims are cheap, four times the last claim when they are not, and never over 50 ms', () => {
    expect(claimWindowMs(0.1)).toBe(2);
    expect(claimWindowMs(3)).toBe(12);
    expect(claimWindowMs(40)).toBe(50);
  });
});
