import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Agent } from 'undici';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { createDeliveryAgent } from './deliveryAgent';
import { sendAttempt } from './sendAttempt';

// Most endpoints hear from Spir a few times a day: a connection is closed long before the next
// attempt, and garbage is collected in between. The next connection must still resume the TLS
// session (no full handshake, no certificate check again), over TLS 1.3 and 1.2 alike.

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

async function startServer(maxVersion: SecureVersion) {
  const ca = await createThrowawayCa();
  const tls = await ca.issue(['rare.test']);
  const resumed: boolean[] = [];
  const server: Server = createServer({ cert: tls.cert, key: tls.key, maxVersion }, (req, res) => {
    resumed.push((req.socket as TLSSocket).isSessionReused());
    req.resume();
    // Closed after each answer, as an idle connection is long before the next event.
    res.writeHead(204, { connection: 'close' }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { ca, server, resumed, port: (server.address() as AddressInfo).port };
}

const send = (agent: Agent, port: number) =>
  sendAttempt(
    {
      url: `https://rare.test:${port}/hook`,
      webhookEventId: 'evt_rare',
      body: '{}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8='],
    },
    { agent, timeoutMs: 5_000, startedAt: Date.now() },
  );

describe('the delivery agent with a rarely called endpoint', () => {
  it.each(['TLSv1.3', 'TLSv1.2'] as const)('resumes the TLS session after a collection (%s)', async (version) => {
    const { ca, server, resumed, port } = await startServer(version);
    const agent = createDeliveryAgent({
      pinnedHosts: new Map([['rare.test', '127.0.0.1']]),
      connectTimeoutMs: 5_000,
      ca: [ca.caCert],
    });
    try {
      for (let i = 0; i < 3; i++) {
        expect((await send(agent, port)).succeeded).toBe(true);
        // TLS 1.3 tickets follow the handshake: let them arrive, then collect.
        await new Promise((resolve) => setTimeout(resolve, 50));
        collectGarbage();
      }
      expect(resumed).toEqual([false, true, true]);
    } finally {
      await agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
