import type { DispatcherProcess } from '@spir-webhooks/dispatcher/testing';
import { addBenchTeam } from './benchSetup';
import { arrivalFloorMs } from './fieldEndpoints';
import { percentile } from './loadGenerator';
import { startWanProxy, type WanProxy } from './wanProxy';

// bench:field's one-origin phase: every team's webhook on one integration platform's origin (as
// every Zap posts to hooks.zapier.com), the whole Monday burst into it, at each round trip in turn.
// Such an origin is never idle: each carries one event per team at the burst's rate just before
// its burst (its connections are open, as a busy origin's are), then 3,000 events at 300/s. An
// origin that keeps up holds about 300/s times one round trip in flight. Each round trip twice: an
// origin that offers h2 in ALPN (as hooks.zapier.com is expected to), then one that keeps HTTP/1.1.

const oneOrigin = { teams: 300, events: 3_000, perSecond: 300, rttsMs: [50, 150, 250, 300] } as const;
const protocols = ['h2', 'http/1.1'] as const;
type Protocol = (typeof protocols)[number];

type Arrival = [at: number, host: string, newConnection: boolean, http2: boolean];

export interface OneOrigin {
  protocol: Protocol;
  rttMs: number;
  host: string;
  proxy: WanProxy;
  teamIds: string[];
}

export interface OneOriginHelpers {
  send(teamIds: string[], label: string, perSecond?: number): Promise<{ answeredAt: Map<string, number> }>;
  until(ids: string[], timeoutMs: number): Promise<Map<string, Arrival>>;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * One WAN proxy per round trip and protocol, each an origin of its own (started before the
 * dispatcher, which pins their hosts), in front of the receiver's h2 port or its HTTP/1.1 one.
 */
export async function startOneOrigins(ports: { http1: number; h2: number }): Promise<OneOrigin[]> {
  const origins: OneOrigin[] = [];
  for (const rttMs of oneOrigin.rttsMs)
    for (const protocol of protocols) {
      const name = `one${protocol === 'h2' ? 'h2' : 'h1'}-${rttMs}`;
      const proxy = await startWanProxy(protocol === 'h2' ? ports.h2 : ports.http1, { rttMs });
      const teamIds = Array.from({ length: oneOrigin.teams }, (_, i) => `${name}x${i}`);
      origins.push({ protocol, rttMs, host: `${name}.bench.test`, proxy, teamIds });
    }
  return origins;
}

/** Registers each origin's teams, one webhook each at its own path on the origin. */
export async function addOneOriginTeams(dispatcher: DispatcherProcess, origins: readonly OneOrigin[]): Promise<void> {
  for (const origin of origins)
    for (const [i, teamId] of origin.teamIds.entries())
      await addBenchTeam(dispatcher, teamId, `https://${origin.host}:${origin.proxy.port}/hooks/catch/${i}/`);
}

/** The phase: into each origin in turn, its traffic before the burst, then the burst. */
export async function runOneOriginPhase(origins: readonly OneOrigin[], helpers: OneOriginHelpers) {
  type Figures = ReturnType<typeof figures> & { peakOpenConnections: number };
  const byProtocol: Record<Protocol, Record<string, Figures>> = { h2: {}, 'http/1.1': {} };
  for (const origin of origins) {
    const label = origin.host.replace('.bench.test', '');
    await helpers.send(origin.teamIds, `${label}-before`, oneOrigin.perSecond);
    await helpers.until(
      origin.teamIds.map((_, i) => `${label}-before-${i}`),
      60_000,
    );
    const teams = Array.from({ length: oneOrigin.events }, (_, i) => origin.teamIds[i % origin.teamIds.length]!);
    const opened = origin.proxy.connections();
    const ingest = await helpers.send(teams, label, oneOrigin.perSecond);
    const ids = teams.map((_, i) => `${label}-${i}`);
    const seen = await helpers.until(ids, 180_000);
    const overMs: number[] = [];
    let newConnections = 0;
    let overHttp2 = 0;
    for (const id of ids) {
      const arrival = seen.get(id);
      if (arrival === undefined) continue;
      overMs.push(arrival[0] - ingest.answeredAt.get(id)! - arrivalFloorMs(origin.rttMs, arrival[2]));
      if (arrival[2]) newConnections++;
      if (arrival[3]) overHttp2++;
    }
    byProtocol[origin.protocol][`${origin.rttMs}ms`] = {
      ...figures(overMs, newConnections, origin.proxy.connections() - opened, overHttp2),
      peakOpenConnections: origin.proxy.peakOpen(),
    };
  }
  return {
    teams: oneOrigin.teams,
    events: oneOrigin.events,
    perSecond: oneOrigin.perSecond,
    byProtocol,
  };
}

function figures(overMs: number[], newConnections: number, opened: number, overHttp2: number) {
  return {
    delivered: overMs.length,
    overFloorMs: { p50: round(percentile(overMs, 50)), p99: round(percentile(overMs, 99)) },
    newConnectionsPerDelivery: round(newConnections / Math.max(1, overMs.length), 3),
    connectionsOpened: opened,
    shareOverHttp2: round(overHttp2 / Math.max(1, overMs.length)),
  };
}
