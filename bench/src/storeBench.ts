import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  openStore,
  SqliteStore,
  type AttemptResult,
  type ClaimedDelivery,
  type ClaimOptions,
  type Store,
} from '@spir-webhooks/dispatcher/store';
import { postgresAvailable, startTestPostgres } from '@spir-webhooks/dispatcher/testing';

// `npm run bench:store`: the store alone, in this process: SQLite on a real file, then PostgreSQL
// on a throwaway cluster when its binaries are there. Figures the whole-dispatcher bench cannot
// isolate: what a claim costs beside hung endpoints' backlogs, and how long the retention purge
// holds the store. It reports; it asserts nothing.

const link = { id: 'l1', originalUrl: 'https://app.spirinc.com/t/x/as/l1/confirm', privateTitle: 'x' };

async function storeWithWebhooks(teams: string[]): Promise<{ store: SqliteStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'spir-store-bench-'));
  const store = new SqliteStore(join(dir, 'store.db'));
  await addWebhooks(store, teams);
  return { store, dir };
}

/** One team per name, each with one webhook `wh_<team>`. */
async function addWebhooks(store: Store, teams: string[]): Promise<void> {
  for (const teamId of teams) {
    await store.teams.upsertTeam({
      teamId,
      name: teamId,
      adminEmails: ['admin@example.com'],
      maxUrlsPerEvent: 1,
      maxSubscriptionsPerEvent: 20,
      language: 'ja',
      now: 1,
    });
    await store.webhooks.createWebhook({
      id: `wh_${teamId}`,
      teamId,
      url: `https://${teamId}.example.com/hook`,
      eventName: 'form.answered',
      secret: 'whsec_bench',
      createdAt: 1,
      kind: 'endpoint',
      availabilityLinks: undefined,
    });
  }
}

let eventCount = 0;
const ingest = (store: Store, teamId: string, now: number) =>
  store.events.recordEvent({
    teamId,
    webhookEventId: `bench-${eventCount++}`,
    eventName: 'form.answered',
    urlKind: 'template',
    body: '{"bench":true}',
    link,
    now,
  });

const claimOptions = (now: number, inFlight: Map<string, number>, limit: number): ClaimOptions => ({
  workerId: 'bench',
  now,
  leaseUntil: now + 65_000,
  limit,
  perWebhookLimit: 1,
  inFlightByWebhook: inFlight,
  limitByWebhook: new Map(),
});

/**
 * Gives a store with webhooks `hung0`… and `healthy` each hung webhook 20 deliveries, its oldest
 * claimed (its attempt in flight, leased in the store) and 19 due; returns the worker's in-flight view.
 */
async function withHungBacklogs(store: Store, hung: number): Promise<Map<string, number>> {
  const hungTeams = Array.from({ length: hung }, (_, i) => `hung${i}`);
  await Promise.all(hungTeams.flatMap((teamId) => Array.from({ length: 20 }, () => ingest(store, teamId, 1_000))));
  await store.queue.claimDueDeliveries(claimOptions(2_000, new Map(), 200));
  return new Map(hungTeams.map((teamId) => [`wh_${teamId}`, 1]));
}

/** The hung teams, `idle` teams whose webhooks have no deliveries, and `healthy`. */
const teamsBeside = (hung: number, idle = 0) => [
  ...Array.from({ length: hung }, (_, i) => `hung${i}`),
  ...Array.from({ length: idle }, (_, i) => `idle${i}`),
  'healthy',
];

/**
 * CPU ms of one ingest and one claim, beside `hung` webhooks each with one attempt in flight and
 * 19 due, and `idle` webhooks with nothing to send.
 */
async function claimCost(hung: number, rounds: number, idle = 0): Promise<number> {
  const { store, dir } = await storeWithWebhooks(teamsBeside(hung, idle));
  const inFlight = await withHungBacklogs(store, hung);
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    await ingest(store, 'healthy', 3_000 + i);
    const claimed = await store.queue.claimDueDeliveries(claimOptions(3_000 + i, inFlight, 100));
    if (claimed.length !== 1) throw new Error(`claim ${i} took ${claimed.length} deliveries, not the healthy one`);
  }
  const used = process.cpuUsage(started);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return (used.user + used.system) / 1000 / rounds;
}

const succeeded = (claimed: ClaimedDelivery[], at: number): AttemptResult[] =>
  claimed.map((delivery) => ({
    deliveryId: delivery.id,
    webhookId: delivery.webhookId,
    round: delivery.round,
    attemptNumber: delivery.attemptNumber,
    startedAt: at,
    durationMs: 1,
    requestHeaders: {},
    response: { status: 200, headers: {}, body: '' },
    error: null,
    next: { kind: 'succeeded' },
  }));

/**
 * PostgreSQL: wall ms of one ingest, one claim and its attempt's record (the work is the server's,
 * so wall time, not this process's CPU), beside `hung` webhooks each with one delivery leased and 19 due.
 */
async function postgresClaimWall(url: string, hung: number, rounds: number, idle = 0): Promise<number> {
  const store = await openStore({ database: { engine: 'postgres', url, poolSize: 4 } });
  await addWebhooks(store, teamsBeside(hung, idle));
  const inFlight = await withHungBacklogs(store, hung);
  // Statistics, as autovacuum gathers them within a minute of such growth: without them the
  // planner takes every table for nearly empty, and nested loops over whole tables.
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('ANALYZE');
  await client.end();
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    await ingest(store, 'healthy', 3_000 + i);
    const claimed = await store.queue.claimDueDeliveries({
      ...claimOptions(3_000 + i, inFlight, 100),
      leaseUntil: 70_000 + i,
    });
    if (claimed.length !== 1) throw new Error(`claim ${i} took ${claimed.length} deliveries, not the healthy one`);
    await store.queue.recordAttemptResults('bench', succeeded(claimed, 3_000 + i));
  }
  const ms = (performance.now() - started) / rounds;
  await store.close();
  return ms;
}

/** Wall ms of the purge of `old` finished events, beside `kept` newer events' pending deliveries. */
async function purgeTime(old: number, kept: number): Promise<number> {
  const { store, dir } = await storeWithWebhooks(['t']);
  for (let i = 0; i < old; i += 500) await Promise.all(Array.from({ length: 500 }, () => ingest(store, 't', 1_000)));
  for (;;) {
    const claimed = await store.queue.claimDueDeliveries({
      ...claimOptions(2_000, new Map(), 500),
      perWebhookLimit: 1e9,
    });
    if (claimed.length === 0) break;
    await store.queue.recordAttemptResults('bench', succeeded(claimed, 2_000));
  }
  for (let i = 0; i < kept; i += 500)
    await Promise.all(Array.from({ length: 500 }, () => ingest(store, 't', 10_000_000)));
  const started = performance.now();
  await store.retention.purgeFinishedBefore(5_000_000);
  const ms = performance.now() - started;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return ms;
}

async function main(): Promise<void> {
  await claimCost(20, 200); // warm-up
  const alone = await claimCost(0, 2_000);
  const besideHung = await claimCost(200, 2_000);
  const besideIdle = await claimCost(200, 2_000, 5_000);
  console.log(
    `ingest + claim, CPU ms: ${alone.toFixed(3)} alone, ${besideHung.toFixed(3)} beside 200 hung backlogs, ${besideIdle.toFixed(3)} with 5,000 idle webhooks too`,
  );
  for (const [old, kept] of [
    [4_000, 20_000],
    [20_000, 100_000],
  ] as const) {
    console.log(
      `purge of ${old} finished events beside ${kept} newer deliveries: ${(await purgeTime(old, kept)).toFixed(0)} ms`,
    );
  }
  if (!postgresAvailable()) {
    console.log('PostgreSQL: skipped (no server binaries on this machine)');
    return;
  }
  const postgres = await startTestPostgres();
  try {
    const wall = async (hung: number, idle = 0) =>
      postgresClaimWall(await postgres.createDatabase(`claims_${hung}_${idle}`), hung, 1_000, idle);
    await wall(20); // warm-up
    const alone = await wall(0);
    const besideHung = await wall(200);
    const besideIdle = await wall(200, 5_000);
    console.log(
      `PostgreSQL ingest + claim + attempt record, wall ms: ${alone.toFixed(2)} alone, ${besideHung.toFixed(2)} beside 200 hung backlogs, ${besideIdle.toFixed(2)} with 5,000 idle webhooks too`,
    );
  } finally {
    postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
