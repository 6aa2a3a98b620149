import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent } from 'undici';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { createDeliveryAgent } from './deliveryAgent';
import { maxLoggedResponseBytes, sendAttempt } from './sendAttempt';

// One attempt against a real HTTPS server on loopback that answers each path its own way:
// how the attempt is bounded in time, and what of the response it keeps.

let server: Server;
let agent: Agent;
let port: number;
let ca: ThrowawayCa;
const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

beforeAll(async () => {
  ca = await createThrowawayCa();
  const tls = await ca.issue(['endpoint.test']);
  server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    req.resume();
    handlers.get(req.url ?? '')?.(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  agent = createDeliveryAgent({
    pinnedHosts: new Map([['endpoint.test', '127.0.0.1']]),
    connectTimeoutMs: 5_000,
    ca: [ca.caCert],
  });
});

afterAll(async () => {
  await agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function attempt(path: string, timeoutMs = 5_000, through: Agent = agent) {
  return sendAttempt(
    {
      url: `https://endpoint.test:${port}${path}`,
      webhookEventId: 'evt_send_attempt',
      body: '{"hello":"world"}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8='],
    },
    { agent: through, timeoutMs, startedAt: Date.now() },
  );
}

describe('sendAttempt', () => {
  it("sends to the URL's path and query as registered, each URL to its own", async () => {
    const seen: string[] = [];
    for (const path of ['/hooks/a%20b?token=t%2B1&x=1', '/hooks/c', '/hooks/c?v=2'])
      handlers.set(path, (req, res) => {
        seen.push(req.url!);
        res.writeHead(204).end();
      });
    for (const path of ['/hooks/a%20b?token=t%2B1&x=1', '/hooks/c', '/hooks/c?v=2', '/hooks/c'])
      expect((await attempt(path)).response?.status).toBe(204);
    expect(seen).toEqual(['/hooks/a%20b?token=t%2B1&x=1', '/hooks/c', '/hooks/c?v=2', '/hooks/c']);
  });

  it('keeps a response body whole up to 64 KiB, and its first 64 KiB of a longer one', async () => {
    handlers.set('/short', (_req, res) => res.writeHead(200).end('ok, stored'));
    handlers.set('/long', (_req, res) => res.writeHead(200).end('a'.repeat(100 * 1024)));
    const short = await attempt('/short');
    const long = await attempt('/long');
    expect(short).toMatchObject({ succeeded: true, error: null, response: { status: 200, body: 'ok, stored' } });
    expect(long.succeeded).toBe(true);
    expect(long.response?.body).toBe('a'.repeat(maxLoggedResponseBytes));
  });

  it('stops reading a body past 1 MiB and keeps what the log holds', async () => {
    // Never ends on its own: only the attempt's reading cap ends it, well before the timeout.
    handlers.set('/endless', (_req, res) => {
      res.writeHead(200);
      const chunk = 'b'.repeat(64 * 1024);
      const more = () => {
        while (res.write(chunk));
      };
      res.on('drain', more);
      more();
    });
    const outcome = await attempt('/endless', 30_000);
    expect(outcome).toMatchObject({ succeeded: true, error: null, response: { status: 200 } });
    expect(outcome.response?.body).toBe('b'.repeat(maxLoggedResponseBytes));
    expect(outcome.durationMs).toBeLessThan(30_000);
  });

  it('ends with a timeout when the headers never come, or the body stops half-way', async () => {
    handlers.set('/silent', () => undefined);
    handlers.set('/half', (_req, res) => res.writeHead(200).write('the first half'));
    const [silent, half] = await Promise.all([attempt('/silent', 500), attempt('/half', 500)]);
    for (const outcome of [silent, half]) {
      expect(outcome).toMatchObject({
        succeeded: false,
        response: null,
        error: { code: 'timeout', message: 'no complete response within 0.5 s' },
      });
      expect(outcome.durationMs).toBeGreaterThanOrEqual(450);
    }
  });

  it('bounds an attempt still waiting for a connection, and never sends it once one is free', async () => {
    const oneConnection = createDeliveryAgent({
      pinnedHosts: new Map([['endpoint.test', '127.0.0.1']]),
      connectTimeoutMs: 5_000,
      ca: [ca.caCert],
      connectionsPerOrigin: 1,
    });
    const arrived: string[] = [];
    handlers.set('/holds-the-connection', (req) => arrived.push(req.url!));
    handlers.set('/waits-behind-it', (req, res) => {
      arrived.push(req.url!);
      res.writeHead(200).end();
    });
    try {
      const holding = attempt('/holds-the-connection', 1_000, oneConnection);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const waiting = await attempt('/waits-behind-it', 300, oneConnection);
      expect(waiting).toMatchObject({ succeeded: false, error: { code: 'timeout' } });
      expect(waiting.durationMs).toBeLessThan(900);
      expect((await holding).error?.code).toBe('timeout');
      // The connection is free again: a later attempt goes through, the one that timed out never does.
      expect((await attempt('/waits-behind-it', 2_000, oneConnection)).succeeded).toBe(true);
      expect(arrived).toEqual(['/holds-the-connection', '/waits-behind-it']);
    } finally {
      await oneConnection.destroy();
    }
  });

  it('reports a connection cut in the middle of the body as a network error, not a timeout', async () => {
    handlers.set('/cut', (req, res) => {
      res.writeHead(200, { 'content-length': '1000' }).write('only part of it');
      setTimeout(() => req.socket.destroy(), 50);
    });
    const outcome = await attempt('/cut', 5_000);
    expect(outcome.succeeded).toBe(false);
    expect(outcome.response).toBeNull();
    expect(outcome.error?.code).not.toBe('timeout');
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it('names NODE_EXTRA_CA_CERTS for an untrusted certificate in development only', async () => {
    handlers.set('/untrusted', (_req, res) => res.writeHead(204).end());
    const untrusting = createDeliveryAgent({
      pinnedHosts: new Map([['endpoint.test', '127.0.0.1']]),
      connectTimeoutMs: 5_000,
    });
    try {
      const send = (developmentHints: boolean) =>
        sendAttempt(
          {
            url: `https://endpoint.test:${port}/untrusted`,
            webhookEventId: 'evt_hint',
            body: '{}',
            secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8='],
          },
          { agent: untrusting, timeoutMs: 5_000, startedAt: Date.now(), developmentHints },
        );
      expect((await send(true)).error?.message).toContain('NODE_EXTRA_CA_CERTS');
      const production = await send(false);
      expect(production.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(production.error?.message).not.toContain('NODE_EXTRA_CA_CERTS');
    } finally {
      await untrusting.destroy();
    }
  });
});
