import { Pool } from 'undici';
import type { DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import type { BenchReceiver } from './benchProcesses';
import { benchEventBody } from './benchSetup';
import { epochNow, percentile } from './loadGenerator';

/** What `npm run bench:history` measures through a running dispatcher, over HTTP. */

export interface Timing {
  n: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers 429 (the team's rate limit or store-time budget), left out of the percentiles. */
  refused: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const timing = (latencies: number[], refused: number): Timing => ({
  n: latencies.length,
  p50Ms: round(percentile(latencies, 50)),
  p99Ms: round(percentile(latencies, 99)),
  refused,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET `path` with the team's key; the milliseconds to the whole answer, or null for a 429. */
async function timedGet(pool: Pool, path: string, apiKey: string): Promise<number | null> {
  const sent = epochNow();
  const response = await pool.request({ path, method: 'GET', headers: { authorization: `Bearer ${apiKey}` } });
  await response.body.dump();
  if (response.statusCode === 429) return null;
  if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}`);
  return epochNow() - sent;
}

/** Each route `requests` times, one request at a time, at most `perSecond` (under the rate limit). */
export async function timeRoutes(
  url: string,
  apiKey: string,
  routes: Record<string, (k: number) => string>,
  requests: number,
  perSecond: number,
): Promise<Record<string, Timing>> {
  const pool = new Pool(url, { connections: 1 });
  const timings: Record<string, Timing> = {};
  for (const [name, path] of Object.entries(routes)) {
    const latencies: number[] = [];
    let refused = 0;
    for (let k = 0; k < requests; k++) {
      const ms = await timedGet(pool, path(k), apiKey);
      if (ms === null) refused++;
      else latencies.push(ms);
      await sleep(Math.max(0, 1000 / perSecond - (ms ?? 0)));
    }
    timings[name] = timing(latencies, refused);
  }
  await pool.close();
  return timings;
}

/** Requests at `perSecond` from up to 16 in flight until `stop()`; returns their timing. */
export function storm(url: string, apiKey: string, path: (k: number) => string, perSecond: number) {
  const pool = new Pool(url, { connections: 16 });
  const latencies: number[] = [];
  let refused = 0;
  let stopped = false;
  let next = 0;
  const startedAt = epochNow();
  const loop = async () => {
    while (!stopped) {
      const k = next++;
      const wait = startedAt + (k / perSecond) * 1000 - epochNow();
      if (wait > 0) await sleep(wait);
      if (stopped) return;
      const ms = await timedGet(pool, path(k), apiKey);
      if (ms === null) refused++;
      else latencies.push(ms);
    }
  };
  const loops = Promise.all(Array.from({ length: 16 }, loop));
  return {
    async stop(): Promise<Timing & { perSecond: number }> {
      stopped = true;
      await loops;
      await pool.close();
      const seconds = (epochNow() - startedAt) / 1000;
      return { ...timing(latencies, refused), perSecond: Math.round((latencies.length + refused) / seconds) };
    },
  };
}

export interface IngestTiming {
  ingest: Timing;
  firstAttempt: Timing;
}

/**
 * The small team's ingest, `perSecond` events from 4 loops until `until()` says stop (checked
 * before each event) or `max` events; then waits for each event's first attempt at the receiver.
 * Returns each event's times so that a caller can keep those of a window.
 */
export async function ingestUntil(
  dispatcher: DispatcherProcess,
  token: string,
  teamId: string,
  prefix: string,
  perSecond: number,
  max: number,
  until: () => boolean,
): Promise<{ id: string; sentAt: number; ingestMs: number }[]> {
  const pool = new Pool(dispatcher.internalUrl, { connections: 4 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const sent: { id: string; sentAt: number; ingestMs: number }[] = [];
  const startedAt = epochNow();
  let next = 0;
  const loop = async () => {
    for (;;) {
      const k = next++;
      if (k >= max || until()) return;
      const wait = startedAt + (k / perSecond) * 1000 - epochNow();
      if (wait > 0) await sleep(wait);
      const id = `${prefix}-${k}`;
      const at = epochNow();
      const response = await pool.request({
        path: '/internal/v1/events',
        method: 'POST',
        headers,
        body: benchEventBody(teamId, id),
      });
      await response.body.dump();
      if (response.statusCode !== 202) throw new Error(`ingest answered ${response.statusCode}`);
      sent.push({ id, sentAt: at, ingestMs: epochNow() - at });
    }
  };
  await Promise.all(Array.from({ length: 4 }, loop));
  await pool.close();
  return sent;
}

/** Ingest and first-attempt timing of `sent` events, once the receiver has them all. */
export async function ingestTiming(
  receiver: BenchReceiver,
  sent: { id: string; sentAt: number; ingestMs: number }[],
): Promise<IngestTiming> {
  const deadline = Date.now() + 120_000;
  let arrivals = await receiver.arrivals();
  while (sent.some((s) => !arrivals.has(s.id))) {
    if (Date.now() > deadline) throw new Error('the small team’s events did not all arrive within 120 s');
    await sleep(50);
    arrivals = await receiver.arrivals();
  }
  return {
    ingest: timing(
      sent.map((s) => s.ingestMs),
      0,
    ),
    firstAttempt: timing(
      sent.map((s) => arrivals.get(s.id)! - s.sentAt),
      0,
    ),
  };
}
