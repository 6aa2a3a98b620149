import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, spawnDispatcher, type DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import { cpuTimeMs, startBenchReceiver } from './benchProcesses';
import { startOtlpSink } from './otlpSink';
import { addBenchTeam, benchDispatcherEnv, benchEventBody, deliverSlice, writeBenchCertificates } from './benchSetup';

// `npm run bench:compare -- <other build's dispatcher/dist/main.js> [--teams N] [--events N] [--rounds N] [--traced]`:
// this build's dispatcher and another's, started side by side and fed in turn, a slice of events
// each, so that both are measured in the same periods of a shared machine. `--traced` exports
// this build's traces (every event sampled, OTLP/HTTP protobuf) to a sink in this process:
// against its own dist/main.js, that is what tracing costs per event. Whole runs of
// `npm run bench` one after the other differed by a third in CPU per event for the same code;
// slices in turn tell a change of a few percent apart. It reports; it asserts nothing.

const option = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a whole number above 0`);
  return value;
};
const teams = option('teams', 20);
const eventsPerSlice = option('events', 5_000);
const rounds = option('rounds', 6);
const traced = process.argv.includes('--traced');
const token = 'bench-compare-internal-token-0123456789';
const host = (i: number) => `team-${i}.bench.test`;

interface Contender {
  name: string;
  dispatcher: DispatcherProcess;
  cpuMs: number;
  mainCpuMs: number;
  events: number;
  ms: number;
  rates: number[];
}

async function main(): Promise<void> {
  const other = process.argv[2];
  if (other === undefined || other.startsWith('--') || !existsSync(other)) {
    throw new Error('give the other build as its dispatcher/dist/main.js (built with `npm run build` there)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'spir-compare-'));
  const { files } = await writeBenchCertificates(dir);
  const receiver = await startBenchReceiver(files.cert, files.key);
  const sink = traced ? await startOtlpSink() : undefined;
  const contenders: Contender[] = [];
  for (const [name, main] of [
    ['this build', undefined],
    [other, resolve(other)],
  ] as const) {
    const dataDir = join(dir, `d${contenders.length}`);
    mkdirSync(dataDir);
    const env = benchDispatcherEnv({
      dataDir,
      databaseUrl: `sqlite:${join(dataDir, 'dispatcher.db')}`,
      token,
      hosts: Array.from({ length: teams }, (_, k) => host(k)),
      caFile: files.ca,
    });
    if (sink !== undefined && main === undefined) {
      // Every event sampled; a queue that holds a slice's spans, so that none is dropped unmeasured.
      Object.assign(env, {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_BSP_MAX_QUEUE_SIZE: '65536',
      });
    }
    const dispatcher = await spawnDispatcher(env, await freePort(), [], main);
    for (let i = 0; i < teams; i++) await addBenchTeam(dispatcher, `t${i}`, `https://${host(i)}:${receiver.port}/hook`);
    contenders.push({ name, dispatcher, cpuMs: 0, mainCpuMs: 0, events: 0, ms: 0, rates: [] });
  }
  let sequence = 0;
  const slice = async (contender: Contender, count: number) => {
    const bodies = Array.from({ length: count }, (_, i) => {
      const id = `compare-${++sequence}`;
      return { id, body: benchEventBody(`t${i % teams}`, id) };
    });
    const pid = contender.dispatcher.child.pid!;
    const [cpuBefore, mainBefore] = [cpuTimeMs(pid), cpuTimeMs(pid, true)];
    const ms = await deliverSlice(contender.dispatcher.internalUrl, token, receiver, bodies);
    return { cpuMs: cpuTimeMs(pid) - cpuBefore, mainCpuMs: cpuTimeMs(pid, true) - mainBefore, ms };
  };
  // Unmeasured: the JIT, the first TLS handshakes and SQLite's cache.
  for (const contender of contenders) for (let i = 0; i < 2; i++) await slice(contender, 3_000);
  for (let round = 0; round < rounds; round++) {
    for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
      const measured = await slice(contender, eventsPerSlice);
      contender.cpuMs += measured.cpuMs;
      contender.mainCpuMs += measured.mainCpuMs;
      contender.ms += measured.ms;
      contender.events += eventsPerSlice;
      contender.rates.push(Math.round(eventsPerSlice / (measured.ms / 1000)));
    }
  }
  console.log(`${teams} endpoints, ${rounds} slices of ${eventsPerSlice} events each, in turn`);
  for (const c of contenders) {
    const perEvent = (ms: number) => (ms / c.events).toFixed(3);
    console.log(
      `${c.name}: CPU ms/event ${perEvent(c.cpuMs)} (main thread ${perEvent(c.mainCpuMs)}, other threads ${perEvent(c.cpuMs - c.mainCpuMs)}); events/s ${Math.round(c.events / (c.ms / 1000))} (slices ${c.rates.join(', ')})`,
    );
  }
  for (const c of contenders) await c.dispatcher.stop();
  if (sink !== undefined) {
    const events = contenders[0]!.events + 6_000;
    console.log(
      `this build's traces: ${sink.exports} exports, ${(sink.bytes / events).toFixed(0)} bytes per event (OTLP protobuf, warm-up included)`,
    );
    await sink.close();
  }
  receiver.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:compare failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
