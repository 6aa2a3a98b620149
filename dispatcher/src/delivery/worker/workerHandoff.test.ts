import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createMetrics } from '../../ops/metrics';
import { SqliteStore } from '../../store/sqlite/sqliteStore';
import { createAttemptSender } from '../send/attemptSender';
import { claimWindowMs, DeliveryWorker } from './deliveryWorker';
import { WebhookLimits } from './webhookLimits';
import { waitFor } from '../../testing/waitFor';

let dir: string;
let store: SqliteStore;
let worker: DeliveryWorker;

/** Limits as after `answers` answers from each of these webhooks (each answer adds one). */
function limitsAfterAnswers(perWebhookConcurrency: number, answers: Record<string, number>): WebhookLimits {
  const limits = new WebhookLimits(perWebhookConcurrency);
  for (const [webhookId, count] of Object.entries(answers))
    for (let i = 0; i < count; i++) limits.afterAttempt(webhookId, { answered: true, timedOut: false });
  return limits;
}

function startWorker(options: {
  concurrency: number;
  webhookLimits: WebhookLimits;
  firstSecondConcurrency?: number;
  pollIntervalMs?: number;
}): DeliveryWorker {
  const started = new DeliveryWorker({
    queue: store.queue,
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
    // One answer each: a limit of two, one slot for the handoff and one for claims.
    worker = startWorker({ concurrency: 100, webhookLimits: limitsAfterAnswers(8, { wh_a: 1, wh_b: 1 }) });
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_a')).toBe(false);
    expect(worker.reserve('wh_b')).toBe(true);
    worker.release('wh_a');
    expect(worker.reserve('wh_a')).toBe(true);
    worker.release('wh_a');
    worker.release('wh_b');
  });

  it('takes nothing once the worker is full or stopping', async () => {
    worker = startWorker({ concurrency: 2, webhookLimits: limitsAfterAnswers(8, { wh_a: 3, wh_b: 3, wh_c: 3 }) });
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_b')).toBe(true);
    expect(worker.reserve('wh_c')).toBe(false);
    worker.release('wh_a');
    worker.release('wh_b');
    await worker.stop();
    expect(worker.reserve('wh_a')).toBe(false);
  });

  it('takes nothing while as many attempts as the first-second budget are young, whatever room is left', () => {
    worker = startWorker({
      concurrency: 100,
      webhookLimits: limitsAfterAnswers(8, { wh_a: 3, wh_b: 3, wh_c: 3 }),
      firstSecondConcurrency: 2,
    });
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserve('wh_b')).toBe(true);
    expect(worker.reserve('wh_c')).toBe(false);
    worker.release('wh_a');
    expect(worker.reserve('wh_c')).toBe(true);
    worker.release('wh_b');
    worker.release('wh_c');
  });

  it('takes the one slot of a webhook at a limit of one that can still grow (new, or timing out), and no more', () => {
    const limits = limitsAfterAnswers(8, { wh_timing_out: 5 });
    limits.afterAttempt('wh_timing_out', { answered: false, timedOut: true });
    worker = startWorker({ concurrency: 100, webhookLimits: limits });
    expect(worker.reserve('wh_new')).toBe(true);
    expect(worker.reserve('wh_new')).toBe(false);
    expect(worker.reserve('wh_timing_out')).toBe(true);
    expect(worker.reserve('wh_timing_out')).toBe(false);
    worker.release('wh_new');
    worker.release('wh_timing_out');
  });

  it("takes nothing for a webhook configured to one attempt at a time: that one slot is the claims'", () => {
    worker = startWorker({ concurrency: 100, webhookLimits: limitsAfterAnswers(1, { wh_a: 5 }) });
    expect(worker.reserve('wh_a')).toBe(false);
    expect(worker.reserve('wh_new')).toBe(false);
  });
});

describe('a claim after the handoff refused a delivery', () => {
  it("runs when the webhook's claims' slot is free, and not while the webhook is at its limit", async () => {
    let claims = 0;
    const claim = store.queue.claimDueDeliveries.bind(store);
    store.queue.claimDueDeliveries = (options) => {
      claims++;
      return claim(options);
    };
    // No polling within the test: a claim can only come from a wake-up.
    worker = startWorker({
      concurrency: 100,
      webhookLimits: limitsAfterAnswers(8, { wh_a: 1 }),
      pollIntervalMs: 600_000,
    });
    await waitFor("the worker's first claim", () => (claims === 1 ? true : undefined));
    // A limit of two: one slot for the handoff, one for claims, here taken by a test send.
    expect(worker.reserve('wh_a')).toBe(true);
    expect(worker.reserveTestSend('wh_a')).toBe(true);
    let held = 2;
    try {
      expect(worker.reserve('wh_a')).toBe(false);
      worker.claimRefused();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(claims).toBe(1);
      // The claims' slot is free again: the next refusal is claimed at once.
      worker.release('wh_a');
      held--;
      expect(worker.reserve('wh_a')).toBe(false);
      worker.claimRefused();
      await waitFor('a claim for the refused delivery', () => (claims === 2 ? true : undefined));
    } finally {
      // stop() waits for attempts in flight: the slots taken by hand are given back.
      for (; held > 0; held--) worker.release('wh_a');
    }
  });
});

describe("the worker's leases", () => {
  it('end a lease timeout after they are taken, and never twice at the same moment', () => {
    worker = startWorker({ concurrency: 100, webhookLimits: limitsAfterAnswers(8, {}) });
    // policy.requestTimeoutMs 1,000: a lease lasts twice that plus 5 s. (Later than any lease the
    // running worker's own claims took.)
    const now = Date.now() + 1_000_000;
    expect(worker.leaseUntil(now)).toBe(now + 7_000);
    expect(worker.leaseUntil(now)).toBe(now + 7_001);
    expect(worker.leaseUntil(now - 1_000)).toBe(now + 7_002);
    expect(worker.leaseUntil(now + 10_000)).toBe(now + 17_000);
  });
});

describe('the window that gathers wake-ups into one claim', () => {
  it('is 2 ms while claims are cheap, four times the last claim when they are not, and never over 50 ms', () => {
    expect(claimWindowMs(0.1)).toBe(2);
    expect(claimWindowMs(3)).toBe(12);
    expect(claimWindowMs(40)).toBe(50);
  });
});
