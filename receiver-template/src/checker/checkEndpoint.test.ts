import { once } from 'node:events';
import { getRequestListener } from '@hono/node-server';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generateWebhookSecret } from '../contract';
import { createThrowawayCa, type ThrowawayCa } from '../contract/testing/throwawayCa';
import { handlers } from '../handlers';
import { MemoryIdempotencyStore } from '../idempotency';
import { createReceiverApp } from '../receiverApp';
import { checkEndpoint, reportDeviatingEvent, type RuleResult } from './checkEndpoint';

const secret = generateWebhookSecret();
const pinnedHosts = new Map([['receiver.test', '127.0.0.1']]);
let ca: ThrowawayCa;
let tls: { cert: string; key: string };
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(tls, handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://receiver.test:${(server.address() as AddressInfo).port}/webhooks/spir`;
}

beforeAll(async () => {
  ca = await createThrowawayCa();
  tls = await ca.issue(['receiver.test']);
});

afterAll(() => {
  for (const server of servers) server.close();
});

const check = (url: string, timeoutMs = 1_000) =>
  checkEndpoint({ url, secret, timeoutMs, pinnedHosts, ca: [ca.caCert] });
const failed = (results: RuleResult[]) => results.filter((r) => !r.passed).map((r) => r.rule);

describe('checkEndpoint', () => {
  it('passes every rule on the receiver template', async () => {
    const app = createReceiverApp({
      secrets: [secret],
      path: '/webhooks/spir',
      handlers,
      idempotency: new MemoryIdempotencyStore(),
      log: () => undefined,
    });
    const results = await check(await serve(getRequestListener(app.fetch)));
    expect(failed(results)).toEqual([]);
    expect(results.map((r) => r.rule)).toEqual([
      'https',
      'public host name',
      '2xx within 1 s for event.confirmed',
      '2xx within 1 s for event.canceled',
      '2xx within 1 s for form.answered',
      '4xx for an unsigned request',
      '4xx for a forged request',
      '4xx for a 10-minute-old timestamp',
      'the same 2xx for a duplicate',
    ]);
  });

  it("reports that the template refuses a deviating event by default, quoting the answer's deviation", async () => {
    const app = createReceiverApp({
      secrets: [secret],
      path: '/webhooks/spir',
      handlers,
      idempotency: new MemoryIdempotencyStore(),
      log: () => undefined,
    });
    const report = await reportDeviatingEvent({
      url: await serve(getRequestListener(app.fetch)),
      secret,
      pinnedHosts,
      ca: [ca.caCert],
    });
    expect(report).toMatch(
      /^an event.canceled whose reason comes as payload.reason.*: HTTP 503 in \d+ ms, refused: Spir retries/,
    );
    expect(report).toContain('payload.cancelReason: required field missing');
  });

  it('reports an endpoint that accepts a deviating event', async () => {
    const url = await serve((_req, res) => res.writeHead(200).end());
    const report = await reportDeviatingEvent({ url, secret, pinnedHosts, ca: [ca.caCert] });
    expect(report).toContain('HTTP 200');
    expect(report).toContain('accepted');
  });

  it('fails an endpoint that checks no signature, naming those rules', async () => {
    const results = await check(await serve((_req, res) => res.writeHead(200).end('ok')));
    expect(failed(results)).toEqual([
      '4xx for an unsigned request',
      '4xx for a forged request',
      '4xx for a 10-minute-old timestamp',
    ]);
    expect(results.find((r) => r.rule === '4xx for an unsigned request')!.detail).toContain(
      'must verify the webhook-signature header',
    );
  });

  it('fails an endpoint too slow to answer within the limit', async () => {
    const results = await check(await serve((_req, res) => setTimeout(() => res.writeHead(200).end(), 1_500)));
    expect(failed(results)).toEqual(
      expect.arrayContaining(['2xx within 1 s for event.confirmed', '2xx within 1 s for form.answered']),
    );
    expect(results.find((r) => r.rule === '2xx within 1 s for event.confirmed')!.detail).toBe('no answer within 1 s');
  }, 20_000);

  it('fails an endpoint that redirects, since Spir follows no redirect', async () => {
    const results = await check(
      await serve((_req, res) => res.writeHead(302, { location: 'https://receiver.test/elsewhere' }).end()),
    );
    expect(failed(results)).toEqual(
      expect.arrayContaining(['2xx within 1 s for event.confirmed', 'the same 2xx for a duplicate']),
    );
    expect(results.find((r) => r.rule === '2xx within 1 s for event.canceled')!.detail).toMatch(/^HTTP 302/);
  });

  it('fails a plain http URL without sending anything', async () => {
    const results = await check('http://receiver.test/webhooks/spir');
    expect(results).toEqual([
      { rule: 'https', passed: false, detail: 'The URL must use https (got http).' },
      {
        rule: 'public host name',
        passed: true,
        detail: expect.stringContaining('pinned to 127.0.0.1 by WEBHOOK_RESOLVE'),
      },
      { rule: 'requests', passed: false, detail: expect.stringContaining('not sent') },
    ]);
  });

  it('fails both URL rules for http://localhost:3000, each on its own ground, and sends nothing', async () => {
    const results = await check('http://localhost:3000/webhooks/spir');
    expect(results).toEqual([
      { rule: 'https', passed: false, detail: 'The URL must use https (got http).' },
      { rule: 'public host name', passed: false, detail: expect.stringContaining('localhost URLs are not supported') },
      { rule: 'requests', passed: false, detail: expect.stringContaining('not sent') },
    ]);
    expect(JSON.stringify(results)).not.toContain('start the dispatcher');
  });

  it.each([
    ['http://user:pw@receiver.example.com/x', 'must not contain a user name'],
    ['http://192.168.1.2/x', 'is an IP address'],
    ['ftp://receiver.internal/x', 'under .internal'],
  ])('fails the host rule of %s even though its scheme fails first', async (url, problem) => {
    const [https, host] = await check(url);
    expect(https!.passed).toBe(false);
    expect(host).toEqual({ rule: 'public host name', passed: false, detail: expect.stringContaining(problem) });
  });

  it('fails an IP address or localhost host', async () => {
    expect(failed(await check('https://127.0.0.1/webhooks/spir'))).toEqual(['public host name', 'requests']);
    expect(failed(await check('https://localhost/webhooks/spir'))).toEqual(['public host name', 'requests']);
  });
});
