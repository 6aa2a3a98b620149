import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWebhookSecret } from '@spir-webhooks/shared-types';
import { freePort, spawnDispatcher, startTestPostgres } from '@spir-webhooks/dispatcher/testing';
import { cpuTimeMs, forkReceiver, startBenchReceiver } from '../benchProcesses';
import { addBenchTeam, benchDispatcherEnv, benchEventBody, deliverSlice, writeBenchCertificates } from '../benchSetup';
import { postgresCpuMs } from '../postgresBench';
import { startRedis } from './redisServer';
import { writeBenchFigures } from '../benchReport';

// `npm run bench:peers`: the same loopback load (20 endpoints, one receiver) through this
// dispatcher on SQLite and on PostgreSQL, and through what a team would build instead: BullMQ on
// Redis, and pg-boss on PostgreSQL (peers/*Peer.ts), each at the best of three concurrencies.
// CPU counts every process of a system: the dispatcher or peer, and Redis or PostgreSQL.
// Writes .bench/peers.json.

const quick = process.argv.includes('--quick');
const events = quick ? 4_000 : 10_000;
const warmUp = 2_000;
// Each peer's three settings bracket its best: BullMQ's worker concurrency, pg-boss's batch size
// (a pg-boss 10 worker delivers at most a batch per 0.5 s polling interval, pgBossPeer.ts).
const concurrencies = { bullmq: [8, 32, 96], 'pg-boss': [160, 480, 1_000] } as const;
const token = 'bench-internal-token-0123456789-abcdef';
const host = (i: number) => `team-${i}.bench.test`;
const round = (value: number) => Math.round(value * 100) / 100;

interface Figures {
  deliveriesPerSecond: number;
  cpuMsPerEvent: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'spir-peers-'));
  const { files } = await writeBenchCertificates(dir);
  const receiver = await startBenchReceiver(files.cert, files.key);
  const teams = Array.from({ length: 20 }, (_, i) => `t${i}`);
  const webhooksFile = join(dir, 'webhooks.json');
  writeFileSync(
    webhooksFile,
    JSON.stringify(
      Object.fromEntries(
        teams.map((team, i) => [
          team,
          [{ id: `wh${i}`, url: `https://${host(i)}:${receiver.port}/hook`, secret: generateWebhookSecret() }],
        ]),
      ),
    ),
  );
  let run = 0;
  /** Warm-up, then `events` events: the rate from first ingest to last arrival, and CPU of `pids()`. */
  const measure = async (label: string, ingestUrl: string, cpu: () => number): Promise<Figures> => {
    const bodies = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${prefix}-${i}`,
        body: benchEventBody(teams[i % teams.length]!, `${prefix}-${i}`),
      }));
    run++;
    // Ten minutes: pg-boss at its lowest setting delivers about 64 events a second (pgBossPeer.ts).
    await deliverSlice(ingestUrl, token, receiver, bodies(`warm${run}`, warmUp), 600_000);
    const before = cpu();
    const ms = await deliverSlice(ingestUrl, token, receiver, bodies(`run${run}`, events), 600_000);
    const figures = {
      deliveriesPerSecond: Math.round(events / (ms / 1000)),
      cpuMsPerEvent: round((cpu() - before) / events),
    };
    console.log(`${label}: ${JSON.stringify(figures)}`);
    return figures;
  };
  const best = (tries: Figures[]) => tries.reduce((a, b) => (b.deliveriesPerSecond > a.deliveriesPerSecond ? b : a));

  const postgres = await startTestPostgres();
  const results: Record<string, unknown> = {};
  try {
    const dispatcher = async (engine: 'sqlite' | 'postgres') => {
      const dataDir = join(dir, `this-${engine}`);
      mkdirSync(dataDir);
      const databaseUrl =
        engine === 'sqlite' ? `sqlite:${join(dataDir, 'd.db')}` : await postgres.createDatabase(`this_${engine}`);
      const hosts = teams.map((_, i) => host(i));
      const process_ = await spawnDispatcher(
        benchDispatcherEnv({ dataDir, databaseUrl, token, hosts, caFile: files.ca }),
        await freePort(),
      );
      for (const [i, team] of teams.entries())
        await addBenchTeam(process_, team, `https://${host(i)}:${receiver.port}/hook`);
      const pid = process_.child.pid!;
      const figures = await measure(`this, ${engine}`, process_.internalUrl, () =>
        engine === 'sqlite' ? cpuTimeMs(pid) : cpuTimeMs(pid) + postgresCpuMs(),
      );
      await process_.stop();
      return figures;
    };
    results.this = { sqlite: await dispatcher('sqlite'), postgres: await dispatcher('postgres') };

    /** A peer at each concurrency on a fresh store of its own; the best setting's figures. */
    const bestOf = async (
      name: keyof typeof concurrencies,
      script: string,
      store: (concurrency: number) => Promise<{ env: Record<string, string>; cpuMs: () => number; stop: () => void }>,
    ) => {
      const tries: Figures[] = [];
      for (const concurrency of concurrencies[name]) {
        const backing = await store(concurrency);
        const peer = await forkReceiver(script, {
          ...backing.env,
          WEBHOOKS_FILE: webhooksFile,
          CA_FILE: files.ca,
          CONCURRENCY: String(concurrency),
        });
        const pid = peer.pid;
        tries.push(
          await measure(
            `${name}, concurrency ${concurrency}`,
            `http://127.0.0.1:${peer.port}`,
            () => cpuTimeMs(pid) + backing.cpuMs(),
          ),
        );
        peer.stop();
        backing.stop();
      }
      const winner = best(tries);
      return { ...winner, concurrency: concurrencies[name][tries.indexOf(winner)] };
    };
    results.bullmq = await bestOf('bullmq', 'peers/bullmqPeer.js', async () => {
      const redis = await startRedis();
      return { env: { REDIS_PORT: String(redis.port) }, cpuMs: () => cpuTimeMs(redis.pid), stop: () => redis.stop() };
    });
    results['pg-boss'] = await bestOf('pg-boss', 'peers/pgBossPeer.js', async (concurrency) => ({
      env: { DATABASE_URL: await postgres.createDatabase(`pgboss_${concurrency}`) },
      cpuMs: postgresCpuMs,
      stop: () => undefined,
    }));
  } finally {
    postgres.stop();
    receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  writeBenchFigures('peers.json', { events, ...results });
  console.log(JSON.stringify(results, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:peers failed:', error);
    process.exit(1);
  },
);
