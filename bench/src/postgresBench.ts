import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  spawnDispatcher,
  startTestPostgres,
  type DispatcherProcess,
} from '@spir-webhooks/dispatcher/testing';
import { cpuTimeMs, type BenchReceiver } from './benchProcesses';
import { addBenchTeam, benchDispatcherEnv, benchEventBody, waitForDelivered } from './benchSetup';
import { idPrefix, ingestEvents } from './loadGenerator';

export interface EngineSetup {
  dir: string;
  token: string;
  receiver: BenchReceiver;
  caFile: string;
  hosts: string[];
  healthyHost: (i: number) => string;
}

/** CPU of every PostgreSQL server process (the only cluster on the machine is the bench's). */
export function postgresCpuMs(): number {
  const pids = execFileSync('pgrep', ['-u', 'postgres'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuTimeMs(Number(pid));
    } catch {
      return sum; // a backend that exited between pgrep and the read
    }
  }, 0);
}

/**
 * `npm run bench -- --engine postgres --dispatchers N`: the 20-endpoint case on the embedded
 * SQLite engine (one dispatcher), then on PostgreSQL with one and with N dispatchers sharing a
 * throwaway cluster, in the same run: deliveries per second, the dispatchers' CPU per event and
 * the database's own CPU per event, so that the cost of the shared engine is visible.
 */
export async function compareEngines(setup: EngineSetup, events: number, dispatchers: number): Promise<void> {
  const postgres = await startTestPostgres();
  let run = 0;
  const measure = async (label: string, databaseUrl: (dataDir: string) => Promise<string>, count: number) => {
    await setup.receiver.reset();
    const started: DispatcherProcess[] = [];
    const database = await databaseUrl(join(setup.dir, `engine-${++run}`));
    for (let i = 0; i < count; i++) {
      const dataDir = join(setup.dir, `engine-${run}-${i}`);
      mkdirSync(dataDir, { recursive: true });
      const env = benchDispatcherEnv({
        dataDir,
        databaseUrl: database,
        token: setup.token,
        hosts: setup.hosts,
        caFile: setup.caFile,
      });
      started.push(await spawnDispatcher(env, await freePort()));
    }
    const first = started[0]!;
    for (let t = 0; t < 20; t++)
      await addBenchTeam(first, `t${t}`, `https://${setup.healthyHost(t)}:${setup.receiver.port}/hook`);
    const bodies = Array.from({ length: events }, (_, i) => ({
      id: `${idPrefix(label)}-${i}`,
      body: benchEventBody(`t${i % 20}`, `${idPrefix(label)}-${i}`),
    }));
    const cpuBefore = started.reduce((sum, d) => sum + cpuTimeMs(d.child.pid!), 0);
    const databaseBefore = database.startsWith('postgres') ? postgresCpuMs() : 0;
    const startedAt = Date.now();
    // Spread over the dispatchers as a load balancer would.
    await Promise.all(
      started.map((d, i) =>
        ingestEvents(
          d.internalUrl,
          setup.token,
          bodies.filter((_, n) => n % count === i),
          Math.ceil(64 / count),
        ),
      ),
    );
    await waitForDelivered(setup.receiver, events, 600_000);
    const seconds = (Date.now() - startedAt) / 1000;
    const dispatcherCpu = started.reduce((sum, d) => sum + cpuTimeMs(d.child.pid!), 0) - cpuBefore;
    const databaseCpu = database.startsWith('postgres') ? postgresCpuMs() - databaseBefore : 0;
    for (const d of started) await d.stop();
    const result = {
      dispatchers: count,
      deliveriesPerSecond: Math.round(events / seconds),
      dispatcherCpuMsPerEvent: Math.round((dispatcherCpu / events) * 100) / 100,
      databaseCpuMsPerEvent: Math.round((databaseCpu / events) * 100) / 100,
    };
    console.log(`${label}: ${JSON.stringify(result)}`);
    return result;
  };
  try {
    await measure('sqlite, 1 dispatcher', async (dir) => `sqlite:${join(dir, 'dispatcher.db')}`, 1);
    await measure('postgres, 1 dispatcher', () => postgres.createDatabase(`bench_${run + 1}`), 1);
    if (dispatchers > 1)
      await measure(
        `postgres, ${dispatchers} dispatchers`,
        () => postgres.createDatabase(`bench_${run + 1}`),
        dispatchers,
      );
  } finally {
    postgres.stop();
  }
}
