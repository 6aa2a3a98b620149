import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnDispatcher, type DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import { cpuTimeMs, sampleRss, startBenchReceiver } from './benchProcesses';
import {
  addBenchTeam,
  benchDispatcherEnv,
  benchEventBody,
  waitForDelivered,
  writeBenchCertificates,
} from './benchSetup';
import { epochNow, idPrefix, ingestEvents, measureCeiling, percentile } from './loadGenerator';
import { printReport, type BenchReport } from './benchReport';
import { isolationInTurn } from './isolationInTurn';
import { compareEngines } from './postgresBench';
import { defaultDeliveryThreads } from '@spir-webhooks/dispatcher/config';

// `npm run bench [-- --quick] [--engine postgres --dispatchers N]`: the dispatcher as in production (SQLite, default limits and
// logging) but for WEBHOOK_RESOLVE and a throwaway CA, a receiver in its own process, and the
// receiver's ceiling measured in the same run. It reports; it asserts nothing. `--backlog-only`
// runs the 200,000-delivery backlog case alone.

const quick = process.argv.includes('--quick');
const sizes = quick
  ? { events: 4_000, paced: 1_500, pacedRate: 500, hungPerTeam: 10, backlog: 20_000 }
  : { events: 20_000, paced: 5_000, pacedRate: 500, hungPerTeam: 20, backlog: 200_000 };
const ingestConcurrency = 64;
// The ceiling at full size in `--quick` too (about two seconds): 4,000 requests took a third of
// a second and read from 10,829 to 14,019 requests/s in four runs alternating with 20,000-request
// ones, which read from 12,977 to 13,752; the quick runs' ratio moved with it.
const ceilingRequests = 20_000;
// Every case first runs this many events through the dispatcher it measures, unmeasured: the JIT,
// the first TLS handshakes and SQLite's cache warm up, so that quick and full runs measure the same thing.
const warmUpEvents = 3_000;
const token = 'bench-internal-token-0123456789-abcdef';
const healthyHost = (i: number) => `team-${i}.bench.test`;
const hungHost = (i: number) => `hung-${i}.bench.test`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spir-bench-'));
  const hosts = [
    ...Array.from({ length: 200 }, (_, i) => healthyHost(i)),
    ...Array.from({ length: 200 }, (_, i) => hungHost(i)),
    'down.bench.test',
  ];
  const { caCert, files } = await writeBenchCertificates(dir);
  const receiver = await startBenchReceiver(files.cert, files.key);
  const report: BenchReport = { quick, sizes, cases: {} };
  let caseNumber = 0;

  const startDispatcher = async (extraEnv: Record<string, string> = {}) => {
    const dataDir = join(dir, `case-${++caseNumber}`);
    mkdirSync(dataDir);
    const dispatcher = await spawnDispatcher(
      {
        ...benchDispatcherEnv({
          dataDir,
          databaseUrl: `sqlite:${join(dataDir, 'dispatcher.db')}`,
          token,
          hosts,
          caFile: files.ca,
        }),
        // DELIVERY_* variables and NODE_OPTIONS set for the bench reach the dispatcher, to compare settings:
        // DELIVERY_THREADS=0 npm run bench
        ...Object.fromEntries(
          Object.entries(process.env).filter(
            (entry): entry is [string, string] =>
              entry[1] !== undefined && (entry[0].startsWith('DELIVERY_') || entry[0] === 'NODE_OPTIONS'),
          ),
        ),
        ...extraEnv,
      },
      await freePort(),
      process.env.BENCH_CPU_PROF_DIR === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`],
    );
    return { dispatcher, rss: sampleRss(dispatcher.child.pid!) };
  };
  /** Delivers `events` round-robin to `teams` healthy endpoints, beside `hungTeams` hung ones. */
  const throughputCase = async (
    name: string,
    teams: number,
    events: number,
    options: { hungTeams?: number; perSecond?: number } = {},
  ) => {
    await receiver.reset();
    const { dispatcher, rss } = await startDispatcher();
    for (let i = 0; i < teams; i++)
      await addBenchTeam(dispatcher, `t${i}`, `https://${healthyHost(i)}:${receiver.port}/hook`);
    const hungTeams = options.hungTeams ?? 0;
    for (let i = 0; i < hungTeams; i++)
      await addBenchTeam(dispatcher, `h${i}`, `https://${hungHost(i)}:${receiver.port}/hook`);
    if (hungTeams > 0) {
      const hung = Array.from({ length: hungTeams * sizes.hungPerTeam }, (_, i) => ({
        id: `hung-${i}`,
        body: benchEventBody(`h${i % hungTeams}`, `hung-${i}`),
      }));
      await ingestEvents(dispatcher.internalUrl, token, hung, ingestConcurrency);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const warmUp = Array.from({ length: warmUpEvents }, (_, i) => ({
      id: `warm-${i}`,
      body: benchEventBody(`t${i % teams}`, `warm-${i}`),
    }));
    await ingestEvents(dispatcher.internalUrl, token, warmUp, ingestConcurrency);
    await waitForDelivered(receiver, warmUpEvents, 120_000);
    await receiver.reset();
    const bodies = Array.from({ length: events }, (_, i) => ({
      id: `${idPrefix(name)}-${i}`,
      body: benchEventBody(`t${i % teams}`, `${idPrefix(name)}-${i}`),
    }));
    const cpuBefore = cpuTimeMs(dispatcher.child.pid!);
    const mainCpuBefore = cpuTimeMs(dispatcher.child.pid!, true);
    const ingest = await ingestEvents(dispatcher.internalUrl, token, bodies, ingestConcurrency, options.perSecond);
    await waitForDelivered(receiver, events, 120_000);
    const cpuMs = cpuTimeMs(dispatcher.child.pid!) - cpuBefore;
    const mainCpuMs = cpuTimeMs(dispatcher.child.pid!, true) - mainCpuBefore;
    const arrivals = await receiver.arrivals();
    const firstAttemptMs = bodies.map((b) => arrivals.get(b.id)! - ingest.answeredAt.get(b.id)!);
    const lastArrival = bodies.reduce((latest, b) => Math.max(latest, arrivals.get(b.id)!), 0);
    const result = {
      teams,
      hungTeams,
      events,
      ingestPerSecond: Math.round(events / ((ingest.finishedAt - ingest.startedAt) / 1000)),
      ingestP50Ms: round(percentile(ingest.latenciesMs, 50)),
      ingestP99Ms: round(percentile(ingest.latenciesMs, 99)),
      deliveriesPerSecond: Math.round(events / ((lastArrival - ingest.startedAt) / 1000)),
      firstAttemptP50Ms: round(percentile(firstAttemptMs, 50)),
      firstAttemptP99Ms: round(percentile(firstAttemptMs, 99)),
      peakRssMb: rss.peakMb(),
      // The dispatcher's CPU (all threads) per event ingested and delivered: steadier than rates
      // on a shared machine, and what a change to the hot path moves.
      dispatcherCpuMsPerEvent: round(cpuMs / events),
      // The main thread's share: the ingest's rate follows it (each 0.05 ms more per event cost
      // the 20-endpoint case a sixth of its rate), since the 64 loops' requests queue on it.
      mainThreadCpuMsPerEvent: round(mainCpuMs / events, 3),
    };
    rss.stop();
    await dispatcher.stop();
    report.cases[name] = result;
    console.log(`${name}: ${JSON.stringify(result)}`);
    return result;
  };

  /** The 20 healthy endpoints alone and beside 200 hung ones, fed in turn (isolationInTurn.ts). */
  const measureIsolationInTurn = async () => {
    const start = async () => {
      const { dispatcher, rss } = await startDispatcher();
      rss.stop();
      return dispatcher;
    };
    const result = await isolationInTurn(
      {
        start,
        receiver,
        token,
        healthyUrl: (i) => `https://${healthyHost(i)}:${receiver.port}/hook`,
        hungUrl: (i) => `https://${hungHost(i)}:${receiver.port}/hook`,
      },
      {
        healthy: 20,
        hung: 200,
        hungPerTeam: sizes.hungPerTeam,
        warmUp: warmUpEvents,
        slices: 4,
        eventsPerSlice: sizes.events / 4,
      },
    );
    console.log(`isolation in turn: ${JSON.stringify(result)}`);
    return result;
  };

  const engine = process.argv[process.argv.indexOf('--engine') + 1];
  if (process.argv.includes('--engine') && engine === 'postgres') {
    const at = process.argv.indexOf('--dispatchers');
    const count = at === -1 ? 2 : Number(process.argv[at + 1]);
    await compareEngines(
      { dir, token, receiver, caFile: files.ca, hosts, healthyHost },
      sizes.events,
      Number.isInteger(count) && count > 0 ? count : 2,
    );
    receiver.stop();
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  if (process.argv.includes('--backlog-only')) {
    report.backlog = await backlogCase(startDispatcher, files, sizes.backlog);
    receiver.stop();
    return;
  }
  // `--throughput-only`: the 20- and 200-endpoint cases and the ceiling, to compare one change quickly.
  const throughputOnly = process.argv.includes('--throughput-only');
  if (!throughputOnly && !process.argv.includes('--isolation-only'))
    report.ingestOnlyPerSecond = await ingestOnlyCase(startDispatcher, sizes.events);
  const base = await throughputCase('20 endpoints', 20, sizes.events);
  // `--isolation-only`: the 20-endpoint case, then the same beside 200 hung endpoints.
  if (process.argv.includes('--isolation-only')) {
    const isolated = await throughputCase('20 healthy + 200 hung', 20, sizes.events, { hungTeams: 200 });
    console.log(`isolation ${round(isolated.deliveriesPerSecond / base.deliveriesPerSecond)}`);
    await measureIsolationInTurn();
    receiver.stop();
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  await throughputCase('200 endpoints', 200, sizes.events);
  if (throughputOnly) {
    const ceiling = await measureCeiling(caCert, receiver.port, ceilingRequests);
    console.log(`ceiling: ${ceiling} requests/s; ratio ${round(base.deliveriesPerSecond / ceiling)}`);
    receiver.stop();
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const paced = await throughputCase(`20 endpoints, paced ${sizes.pacedRate}/s`, 20, sizes.paced, {
    perSecond: sizes.pacedRate,
  });

  const ceiling = await measureCeiling(caCert, receiver.port, ceilingRequests);
  report.ceilingPerSecond = ceiling;
  console.log(`ceiling: ${ceiling} requests/s (sendAttempt → receiver, 160 in flight, no store)`);

  const isolated = await throughputCase('20 healthy + 200 hung', 20, sizes.events, { hungTeams: 200 });
  report.isolationRatio = round(isolated.deliveriesPerSecond / base.deliveriesPerSecond);
  report.isolationInTurn = await measureIsolationInTurn();

  report.backlog = await backlogCase(startDispatcher, files, sizes.backlog);
  receiver.stop();
  rmSync(dir, { recursive: true, force: true });
  printReport(report, base, paced, process.env.DELIVERY_THREADS ?? String(defaultDeliveryThreads()));
}

/** Ingest alone: a team with no webhooks, so the rate is what the ingest path itself takes. */
async function ingestOnlyCase(
  startDispatcher: () => Promise<{ dispatcher: DispatcherProcess; rss: ReturnType<typeof sampleRss> }>,
  count: number,
): Promise<number> {
  const { dispatcher, rss } = await startDispatcher();
  await dispatcher.call('PUT', '/internal/v1/teams/quiet', { name: 'quiet', adminEmails: ['ops@quiet.example.com'] });
  const warmUp = Array.from({ length: warmUpEvents }, (_, i) => ({
    id: `warm-${i}`,
    body: benchEventBody('quiet', `warm-${i}`),
  }));
  await ingestEvents(dispatcher.internalUrl, token, warmUp, ingestConcurrency);
  const bodies = Array.from({ length: count }, (_, i) => ({
    id: `quiet-${i}`,
    body: benchEventBody('quiet', `quiet-${i}`),
  }));
  const ingest = await ingestEvents(dispatcher.internalUrl, token, bodies, ingestConcurrency);
  const perSecond = Math.round(count / ((ingest.finishedAt - ingest.startedAt) / 1000));
  rss.stop();
  await dispatcher.stop();
  console.log(`ingest only (no webhooks): ${perSecond} events/s`);
  return perSecond;
}

async function backlogCase(
  startDispatcher: (
    env?: Record<string, string>,
  ) => Promise<{ dispatcher: DispatcherProcess; rss: ReturnType<typeof sampleRss> }>,
  files: { cert: string; key: string },
  count: number,
) {
  const downPort = await freePort();
  // Enough retries (100, 10 s apart) that nothing finally fails while the endpoint is down.
  const { dispatcher, rss } = await startDispatcher({ MAX_RETRIES: '100' });
  await addBenchTeam(dispatcher, 'backlog', `https://down.bench.test:${downPort}/hook`);
  const bodies = Array.from({ length: count }, (_, i) => ({
    id: `backlog-${i}`,
    body: benchEventBody('backlog', `backlog-${i}`),
  }));
  const ingest = await ingestEvents(dispatcher.internalUrl, token, bodies, ingestConcurrency);
  const rssWhileDown = rss.peakMb();
  const upAt = epochNow();
  const receiver = await startBenchReceiver(files.cert, files.key, downPort);
  const deadline = Date.now() + 600_000;
  while ((await receiver.count()).unique < count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200));
  const { unique } = await receiver.count();
  const arrivals = await receiver.arrivals();
  let lastArrival = 0;
  for (const at of arrivals.values()) lastArrival = Math.max(lastArrival, at);
  const result = {
    deliveries: count,
    delivered: unique,
    ingestPerSecond: Math.round(count / ((ingest.finishedAt - ingest.startedAt) / 1000)),
    drainPerSecond: Math.round(unique / ((lastArrival - upAt) / 1000)),
    drainSeconds: round((lastArrival - upAt) / 1000),
    peakRssMbWhileDown: rssWhileDown,
    peakRssMb: rss.peakMb(),
  };
  rss.stop();
  receiver.stop();
  await dispatcher.stop();
  console.log(`backlog: ${JSON.stringify(result)}`);
  return result;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench failed:', error);
    process.exit(1);
  },
);
