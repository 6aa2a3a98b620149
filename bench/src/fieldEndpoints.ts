import { startWanProxy, type WanProxy } from './wanProxy';

// bench:field's population: 500 endpoints across the internet (20–300 ms away), most on hosts of
// their own, 50 sharing one integration platform's origin (as every Zap shares hooks.zapier.com),
// 30 that answer in 2–10 s and 20 that never answer.

export type EndpointKind = 'own' | 'shared' | 'slow' | 'hung';

export interface FieldEndpoint {
  teamId: string;
  kind: EndpointKind;
  host: string;
  rttMs: number;
  url: string;
}

export const counts = { own: 400, shared: 50, slow: 30, hung: 20 } as const;
const sharedRttMs = 250;
const ownRtt = (i: number) => Math.round(20 + (280 * i) / (counts.own - 1));

/** The endpoints and one WAN proxy per origin, all in front of one receiver (its HTTP/1.1 and h2 ports). */
export async function startFieldEndpoints(ports: {
  http1: number;
  h2: number;
}): Promise<{ endpoints: FieldEndpoint[]; proxies: WanProxy[]; close: () => Promise<void> }> {
  const endpoints: FieldEndpoint[] = [];
  const proxies: WanProxy[] = [];
  // The shared origin offers h2 (as hooks.zapier.com is expected to); customers' hosts HTTP/1.1 only.
  const origin = async (host: string, rttMs: number, receiverPort = ports.http1) => {
    const proxy = await startWanProxy(receiverPort, { rttMs });
    proxies.push(proxy);
    return `https://${host}:${proxy.port}`;
  };
  for (let i = 0; i < counts.own; i++) {
    const host = `own-${i}.bench.test`;
    endpoints.push({
      teamId: `own${i}`,
      kind: 'own',
      host,
      rttMs: ownRtt(i),
      url: `${await origin(host, ownRtt(i))}/hook`,
    });
  }
  const shared = await origin('hooks.bench.test', sharedRttMs, ports.h2);
  for (let i = 0; i < counts.shared; i++) {
    endpoints.push({
      teamId: `zap${i}`,
      kind: 'shared',
      host: 'hooks.bench.test',
      rttMs: sharedRttMs,
      url: `${shared}/hooks/catch/${i}/`,
    });
  }
  for (let i = 0; i < counts.slow; i++) {
    const host = `slow-${2_000 + Math.round((8_000 * i) / (counts.slow - 1))}-${i}.bench.test`;
    endpoints.push({ teamId: `slow${i}`, kind: 'slow', host, rttMs: 100, url: `${await origin(host, 100)}/hook` });
  }
  for (let i = 0; i < counts.hung; i++) {
    const host = `hung-${i}.bench.test`;
    endpoints.push({ teamId: `hung${i}`, kind: 'hung', host, rttMs: 100, url: `${await origin(host, 100)}/hook` });
  }
  return {
    endpoints,
    proxies,
    close: async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    },
  };
}

/**
 * What physics costs a request to arrive (receiver side): half a round trip on a reused connection;
 * on a new one also the TCP handshake's round trip and TLS 1.3's.
 */
export const arrivalFloorMs = (rttMs: number, newConnection: boolean) => rttMs / 2 + (newConnection ? 2 * rttMs : 0);
