import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnDispatcher } from '@spir-webhooks/dispatcher/testing';
import { cpuTimeMs, forkReceiver, sampleRss } from './benchProcesses';
import { addBenchTeam, benchDispatcherEnv, benchEventBody, writeBenchCertificates } from './benchSetup';
import { ingestEvents, percentile } from './loadGenerator';
import { arrivalFloorMs, counts, startFieldEndpoints, type FieldEndpoint } from './fieldEndpoints';
import { startWanProxy } from './wanProxy';
import { writeBenchFigures } from './benchReport';
import { addOneOriginTeams, runOneOriginPhase, startOneOrigins } from './oneOriginPhase';

// `npm run bench:field`: the dispatcher as in production (SQLite) delivering across a WAN in user
// space (wanProxy.ts): far, slow and hung receivers, a Monday-morning burst on a trickle,
// a burst into one far endpoint, the whole burst into one origin (oneOriginPhase.ts), and the cost at
// Spir's real, low rates. Writes .bench/field.json. `-- --one-origin` runs the one-origin phase alone.

const token = 'bench-internal-token-0123456789-abcdef';
const burst = { events: 3_000, seconds: 10, teams: 300 };
const far = { events: 1_000, rttMs: 200, perWebhookLimit: 8 };
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Arrival = [at: number, host: string, newConnection: boolean, http2: boolean];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spir-field-'));
  const { files } = await writeBenchCertificates(dir);
  const receiver = await forkReceiver('fieldReceiver.js', { CERT_FILE: files.cert, KEY_FILE: files.key });
  const arrivals = async () => new Map((await receiver.ask<{ arrivals: [string, Arrival][] }>('arrivals')).arrivals);
  const ports = { http1: receiver.port, h2: receiver.h2Port! };
  const field = await startFieldEndpoints(ports);
  const farProxy = await startWanProxy(receiver.port, { rttMs: far.rttMs });
  const oneOrigins = await startOneOrigins(ports);
  const hosts = [
    ...new Set([...field.endpoints.map((e) => e.host), 'far.bench.test', ...oneOrigins.map((o) => o.host)]),
  ];
  const dataDir = join(dir, 'dispatcher');
  mkdirSync(dataDir);
  const dispatcher = await spawnDispatcher(
    benchDispatcherEnv({ dataDir, databaseUrl: `sqlite:${join(dataDir, 'd.db')}`, token, hosts, caFile: files.ca }),
    await freePort(),
    // BENCH_CPU_PROF_DIR=<dir>: the dispatcher's CPU profile over the whole run (written at its stop).
    process.env.BENCH_CPU_PROF_DIR === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`],
  );
  const rss = sampleRss(dispatcher.child.pid!);
  const cpu = () => cpuTimeMs(dispatcher.child.pid!);
  for (const endpoint of field.endpoints) await addBenchTeam(dispatcher, endpoint.teamId, endpoint.url);
  await addBenchTeam(dispatcher, 'far', `https://far.bench.test:${farProxy.port}/hook`);
  const send = (teamIds: string[], label: string, perSecond?: number) =>
    ingestEvents(
      dispatcher.internalUrl,
      token,
      teamIds.map((teamId, i) => ({ id: `${label}-${i}`, body: benchEventBody(teamId, `${label}-${i}`) })),
      64,
      perSecond,
    );
  const until = async (ids: string[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await arrivals();
      if (ids.every((id) => seen.has(id)) || Date.now() > deadline) return seen;
      await sleep(250);
    }
  };
  const oneOriginPhase = async () => {
    await addOneOriginTeams(dispatcher, oneOrigins);
    return runOneOriginPhase(oneOrigins, { send, until });
  };
  const stopAll = async () => {
    rss.stop();
    await dispatcher.stop();
    receiver.stop();
    await field.close();
    await farProxy.close();
    await Promise.all(oneOrigins.map((origin) => origin.proxy.close()));
    rmSync(dir, { recursive: true, force: true });
  };
  if (process.argv.includes('--one-origin')) {
    const oneOriginOnly = { oneOrigin: await oneOriginPhase() };
    await stopAll();
    writeBenchFigures('field-one-origin.json', oneOriginOnly);
    console.log(JSON.stringify(oneOriginOnly, null, 2));
    return;
  }

  // Warm-up: every endpoint that answers, once (the JIT, SQLite's cache, TLS sessions). The hung
  // ones first hear from it in the burst's trickle: an attempt waiting on one is work, not idling.
  const answering = field.endpoints.filter((e) => e.kind !== 'hung').map((e) => e.teamId);
  await send(answering, 'warm');
  await until(
    answering.map((_, i) => `warm-${i}`),
    30_000,
  );
  // Idle: nothing pending, and every connection closed (keep-alive is held at most 15 s). For
  // half a minute after the last answer V8 still collects garbage on its own threads: measured
  // apart (20 to 50 s after), then idle proper (60 to 90 s after).
  const cpuPercentOver = async (ms: number) => {
    const before = cpu();
    await sleep(ms);
    return round(((cpu() - before) / ms) * 100);
  };
  await sleep(20_000);
  const settlingCpuPercent = await cpuPercentOver(30_000);
  await sleep(10_000);
  const idleCpuPercent = await cpuPercentOver(30_000);

  // Paced at Spir's real rates, across the own hosts.
  const own = field.endpoints.filter((e) => e.kind === 'own');
  const paced: Record<string, { cpuMsPerEvent: number }> = {};
  for (const rate of [5, 50]) {
    const teams = Array.from({ length: rate * 20 }, (_, i) => own[(i * 7) % own.length]!.teamId);
    const before = cpu();
    await send(teams, `paced${rate}`, rate);
    await until(
      teams.map((_, i) => `paced${rate}-${i}`),
      30_000,
    );
    paced[rate] = { cpuMsPerEvent: round((cpu() - before) / teams.length) };
  }

  // The Monday burst: 3,000 events in 10 s over the 300 healthy teams (own hosts and the shared
  // origin), on a trickle to every endpoint, slow and hung ones included.
  // 250 own hosts spread over the whole range of round trips, and the 50 on the shared origin.
  const healthy = [
    ...Array.from({ length: 250 }, (_, i) => own[Math.floor((i * own.length) / 250)]!),
    ...field.endpoints.filter((e) => e.kind === 'shared'),
  ];
  const burstTeams = Array.from({ length: burst.events }, (_, i) => healthy[i % healthy.length]!.teamId);
  const trickleTeams = Array.from(
    { length: 100 },
    (_, i) => field.endpoints[(i * 13) % field.endpoints.length]!.teamId,
  );
  const connectionsBefore = field.proxies.reduce((sum, proxy) => sum + proxy.connections(), 0);
  const [burstIngest] = await Promise.all([
    send(burstTeams, 'burst', burst.events / burst.seconds),
    send(trickleTeams, 'trickle', 5),
  ]);
  const burstIds = burstTeams.map((_, i) => `burst-${i}`);
  const seen = await until(burstIds, 120_000);
  const connections = field.proxies.reduce((sum, proxy) => sum + proxy.connections(), 0) - connectionsBefore;
  const byTeam = new Map(field.endpoints.map((e) => [e.teamId, e]));
  const over: { rttMs: number; overMs: number; endpoint: FieldEndpoint; newConnection: boolean }[] = [];
  burstIds.forEach((id, i) => {
    const arrival = seen.get(id);
    const endpoint = byTeam.get(burstTeams[i]!)!;
    if (arrival === undefined) return;
    const overMs = arrival[0] - burstIngest.answeredAt.get(id)! - arrivalFloorMs(endpoint.rttMs, arrival[2]);
    over.push({ rttMs: endpoint.rttMs, overMs, endpoint, newConnection: arrival[2] });
  });
  const stats = (rows: typeof over) => ({
    deliveries: rows.length,
    p50: round(
      percentile(
        rows.map((r) => r.overMs),
        50,
      ),
    ),
    p99: round(
      percentile(
        rows.map((r) => r.overMs),
        99,
      ),
    ),
    newConnections: rows.filter((r) => r.newConnection).length,
  });
  const byRtt: Record<string, ReturnType<typeof stats>> = {};
  for (const [low, high] of [
    [0, 100],
    [100, 200],
    [200, 301],
  ] as const)
    byRtt[`${low}-${Math.min(high, 300)}ms`] = stats(over.filter((r) => r.rttMs >= low && r.rttMs < high));

  // One far endpoint, 1,000 events at once.
  const farBefore = farProxy.connections();
  const farStart = Date.now();
  await send(
    Array.from({ length: far.events }, () => 'far'),
    'far',
  );
  const farSeen = await until(
    Array.from({ length: far.events }, (_, i) => `far-${i}`),
    180_000,
  );
  let farLast = 0;
  for (let i = 0; i < far.events; i++) farLast = Math.max(farLast, farSeen.get(`far-${i}`)?.[0] ?? Infinity);
  const drainSeconds = round((farLast - farStart) / 1000);
  const boundSeconds = (far.events * far.rttMs) / 1000 / far.perWebhookLimit;
  const peakRssMb = rss.peakMb();

  // The whole burst into one origin, at each round trip (after the figures above are taken).
  const oneOriginResult = await oneOriginPhase();

  const all = stats(over);
  const result = {
    endpoints: counts,
    healthy: {
      firstAttemptOverRoundTripMs: { p50: all.p50, p99: all.p99 },
      byRoundTrip: byRtt,
      ownHosts: stats(over.filter((r) => r.endpoint.kind === 'own')),
      sharedOrigin: stats(over.filter((r) => r.endpoint.kind === 'shared')),
    },
    farBurst: {
      events: far.events,
      rttMs: far.rttMs,
      perWebhookLimit: far.perWebhookLimit,
      drainSeconds,
      boundSeconds,
      efficiency: round(boundSeconds / drainSeconds),
      newConnections: farProxy.connections() - farBefore,
    },
    connectionsPerDelivery: round(connections / burst.events, 3),
    isolation: round(over.filter((r) => r.overMs <= 100).length / burst.events),
    oneOrigin: oneOriginResult,
    peakRssMb,
    paced,
    idleCpuPercent,
    settlingCpuPercent,
  };
  await stopAll();
  writeBenchFigures('field.json', result);
  console.log(JSON.stringify(result, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:field failed:', error);
    process.exit(1);
  },
);
