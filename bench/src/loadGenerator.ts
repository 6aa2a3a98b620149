import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';
import { samples } from '@spir-webhooks/shared-types';
import { createDeliveryAgent, sendAttempt } from '@spir-webhooks/dispatcher/delivery';

export const epochNow = () => performance.timeOrigin + performance.now();

export interface IngestResult {
  /** Per event: when the 202 came (epoch ms). */
  answeredAt: Map<string, number>;
  latenciesMs: number[];
  startedAt: number;
  finishedAt: number;
}

/**
 * Sends events to the ingest API from `concurrency` loops over one keep-alive pool, as fast as
 * it takes them, or at `perSecond` when given (a paced load, below saturation).
 */
export async function ingestEvents(
  dispatcherUrl: string,
  token: string,
  bodies: { id: string; body: string }[],
  concurrency: number,
  perSecond?: number,
): Promise<IngestResult> {
  const pool = new Pool(dispatcherUrl, { connections: concurrency });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const answeredAt = new Map<string, number>();
  const latenciesMs: number[] = [];
  const startedAt = epochNow();
  let next = 0;
  const loop = async () => {
    for (;;) {
      const index = next++;
      const item = bodies[index];
      if (item === undefined) return;
      if (perSecond !== undefined) {
        const due = startedAt + (index / perSecond) * 1000;
        const wait = due - epochNow();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const sent = epochNow();
      const response = await pool.request({ path: '/internal/v1/events', method: 'POST', headers, body: item.body });
      await response.body.dump();
      if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}`);
      const answered = epochNow();
      answeredAt.set(item.id, answered);
      latenciesMs.push(answered - sent);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  await pool.close();
  return { answeredAt, latenciesMs, startedAt, finishedAt: epochNow() };
}

/**
 * The ceiling: the same receiver driven by the dispatcher's own sending code (sendAttempt: signing,
 * its agent, its way of reading answers) at the same concurrency, with no ingest, store or thread
 * in between. Returns requests per second.
 */
async function driveReceiverDirectly(
  urls: string[],
  body: string,
  secret: string,
  total: number,
  concurrency: number,
  agent: Dispatcher,
): Promise<number> {
  let next = 0;
  const started = epochNow();
  const loop = async () => {
    for (;;) {
      const index = next++;
      if (index >= total) return;
      const outcome = await sendAttempt(
        { url: urls[index % urls.length]!, webhookEventId: `ceiling-${index}`, body, secrets: [secret] },
        { agent, timeoutMs: 30_000, startedAt: Date.now() },
      );
      if (outcome.response?.status !== 200)
        throw new Error(`receiver answered ${outcome.response?.status ?? JSON.stringify(outcome.error)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return total / ((epochNow() - started) / 1000);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A case's name as the start of webhookEventIds, which are printable ASCII without spaces. */
export const idPrefix = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '-');

/** The receiver driven by sendAttempt, 160 in flight, no store: what the dispatcher is measured against. */
export async function measureCeiling(caCert: string, port: number, events: number): Promise<number> {
  const urls = Array.from({ length: 20 }, (_, i) => `https://team-${i}.bench.test:${port}/hook`);
  const agent = createDeliveryAgent({
    pinnedHosts: new Map(urls.map((url) => [new URL(url).hostname, '127.0.0.1'])),
    connectTimeoutMs: 10_000,
    ca: [caCert],
  });
  const ceilingBody = JSON.stringify(samples['form.answered']);
  await driveReceiverDirectly(
    urls,
    ceilingBody,
    'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8=',
    2_000,
    160,
    agent,
  );
  const ceiling = Math.round(
    await driveReceiverDirectly(
      urls,
      ceilingBody,
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8=',
      events,
      160,
      agent,
    ),
  );
  await agent.close();
  return ceiling;
}
