import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Writes a bench's figures as JSON to `.bench/<file>` at the repository root; returns the path. */
export function writeBenchFigures(file: string, figures: unknown): string {
  const out = join(__dirname, '..', '..', '.bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), `${JSON.stringify(figures, null, 2)}\n`);
  return join(out, file);
}

export interface CaseResult {
  teams: number;
  hungTeams: number;
  events: number;
  ingestPerSecond: number;
  ingestP50Ms: number;
  ingestP99Ms: number;
  deliveriesPerSecond: number;
  firstAttemptP50Ms: number;
  firstAttemptP99Ms: number;
  peakRssMb: number;
  dispatcherCpuMsPerEvent: number;
  mainThreadCpuMsPerEvent: number;
}

export interface BenchReport {
  quick: boolean;
  sizes: Record<string, number>;
  cases: Record<string, CaseResult>;
  ceilingPerSecond?: number;
  /** Events/s the ingest path takes with no deliveries behind it. */
  ingestOnlyPerSecond?: number;
  isolationRatio?: number;
  /** The healthy endpoints alone and beside hung ones, fed in turn: the steadier isolation figure. */
  isolationInTurn?: { alonePerSecond: number; besidePerSecond: number; ratio: number };
  backlog?: {
    deliveries: number;
    delivered: number;
    ingestPerSecond: number;
    drainPerSecond: number;
    drainSeconds: number;
    peakRssMbWhileDown: number;
    peakRssMb: number;
  };
}

/**
 * The table, the JSON file (.bench/results.json at the repository root), and the summary line:
 * throughput from the unpaced 20-endpoint run, first-attempt p99 from the paced run (below saturation).
 */
export function printReport(report: BenchReport, base: CaseResult, paced: CaseResult, deliveryThreads: string): void {
  const rows = Object.entries(report.cases).map(([name, c]) => [
    name,
    c.ingestPerSecond,
    c.ingestP50Ms,
    c.ingestP99Ms,
    c.deliveriesPerSecond,
    c.firstAttemptP50Ms,
    c.firstAttemptP99Ms,
    c.peakRssMb,
    c.dispatcherCpuMsPerEvent,
    c.mainThreadCpuMsPerEvent,
  ]);
  const header = [
    'case',
    'ingest/s',
    'ingest p50 ms',
    'ingest p99 ms',
    'deliveries/s',
    'first p50 ms',
    'first p99 ms',
    'peak RSS MB',
    'CPU ms/event',
    'main thread',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
  const ratio = Math.round((base.deliveriesPerSecond / (report.ceilingPerSecond ?? Number.NaN)) * 100) / 100;
  console.log(
    `\nceiling (sendAttempt → receiver, 160 in flight, no store): ${report.ceilingPerSecond} requests/s; dispatcher/ceiling = ${ratio}`,
  );
  console.log(`ingest alone (a team with no webhooks): ${report.ingestOnlyPerSecond} events/s`);
  console.log(
    `isolation: healthy deliveries/s with 200 hung endpoints = ${report.isolationRatio} of the run without them`,
  );
  const inTurn = report.isolationInTurn;
  if (inTurn !== undefined)
    console.log(
      `isolation in turn (both fed alternately): ${inTurn.ratio} (${inTurn.besidePerSecond} beside hung, ${inTurn.alonePerSecond} alone, deliveries/s)`,
    );
  if (report.backlog !== undefined) {
    const b = report.backlog;
    console.log(
      `backlog: ${b.delivered}/${b.deliveries} delivered; drain ${b.drainPerSecond}/s over ${b.drainSeconds} s; peak RSS ${b.peakRssMbWhileDown} MB while down, ${b.peakRssMb} MB overall`,
    );
  }
  const rssMb = Math.max(...Object.values(report.cases).map((c) => c.peakRssMb), report.backlog?.peakRssMb ?? 0);
  console.log(`figures written to ${writeBenchFigures('results.json', { ...report, ratio, rssMb })}`);
  console.log(
    `deliveries/s=${base.deliveriesPerSecond} ceiling/s=${report.ceilingPerSecond} ratio=${ratio} cpu_ms_per_event=${base.dispatcherCpuMsPerEvent} isolation=${report.isolationRatio} isolation_in_turn=${report.isolationInTurn?.ratio} p99_first_attempt_ms=${paced.firstAttemptP99Ms} rss_mb=${rssMb} delivery_threads=${deliveryThreads}`,
  );
}
