import type { DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import type { BenchReceiver } from './benchProcesses';
import { addBenchTeam, benchEventBody, deliverSlice } from './benchSetup';
import { ingestEvents } from './loadGenerator';

export interface InTurnSetup {
  /** A fresh dispatcher, as every case starts one. */
  start: () => Promise<DispatcherProcess>;
  receiver: BenchReceiver;
  token: string;
  healthyUrl: (i: number) => string;
  hungUrl: (i: number) => string;
}

export interface InTurnSizes {
  healthy: number;
  hung: number;
  hungPerTeam: number;
  warmUp: number;
  slices: number;
  eventsPerSlice: number;
}

/**
 * Isolation measured in turn: a dispatcher with the healthy endpoints alone and one with the same
 * endpoints beside hung ones run side by side, and are fed alternately a slice of events each (the
 * order reversed every round), so that both meet the same moments of the machine. Two cases run a
 * minute apart differ by the machine's drift as much as by the build (bench/history.md); in turn,
 * the ratio is the hung endpoints' cost alone. Returns each one's deliveries/s and the ratio.
 */
export async function isolationInTurn(setup: InTurnSetup, sizes: InTurnSizes) {
  const alone = await setup.start();
  const beside = await setup.start();
  for (const dispatcher of [alone, beside])
    for (let i = 0; i < sizes.healthy; i++) await addBenchTeam(dispatcher, `t${i}`, setup.healthyUrl(i));
  for (let i = 0; i < sizes.hung; i++) await addBenchTeam(beside, `h${i}`, setup.hungUrl(i));
  const hung = Array.from({ length: sizes.hung * sizes.hungPerTeam }, (_, i) => ({
    id: `in-turn-hung-${i}`,
    body: benchEventBody(`h${i % sizes.hung}`, `in-turn-hung-${i}`),
  }));
  await ingestEvents(beside.internalUrl, setup.token, hung, 64);
  await new Promise((resolve) => setTimeout(resolve, 1_000));

  let sequence = 0;
  const slice = (dispatcher: DispatcherProcess, count: number) =>
    deliverSlice(
      dispatcher.internalUrl,
      setup.token,
      setup.receiver,
      Array.from({ length: count }, (_, i) => {
        const id = `in-turn-${++sequence}`;
        return { id, body: benchEventBody(`t${i % sizes.healthy}`, id) };
      }),
    );
  // Unmeasured: the JIT, the first TLS handshakes and SQLite's cache.
  for (const dispatcher of [alone, beside]) await slice(dispatcher, sizes.warmUp);
  const ms = new Map([
    [alone, 0],
    [beside, 0],
  ]);
  for (let round = 0; round < sizes.slices; round++) {
    for (const dispatcher of round % 2 === 0 ? [alone, beside] : [beside, alone])
      ms.set(dispatcher, ms.get(dispatcher)! + (await slice(dispatcher, sizes.eventsPerSlice)));
  }
  await alone.stop();
  await beside.stop();
  const perSecond = (dispatcher: DispatcherProcess) =>
    Math.round((sizes.slices * sizes.eventsPerSlice) / (ms.get(dispatcher)! / 1000));
  const result = { alonePerSecond: perSecond(alone), besidePerSecond: perSecond(beside) };
  return { ...result, ratio: Math.round((result.besidePerSecond / result.alonePerSecond) * 100) / 100 };
}
