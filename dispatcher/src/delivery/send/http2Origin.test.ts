import { Webhook } from 'standardwebhooks';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';

// The whole path, through the dispatcher's sending thread: many teams' webhooks on one origin that
// offers h2 (as every Zap posts to hooks.zapier.com) are delivered over HTTP/2, signed and whole,
// within DELIVERY_CONNECTIONS; a customer's HTTP/1.1-only receiver beside it still gets its own.

let hooks: HttpsReceiver;
let own: HttpsReceiver;
let dispatcher: TestDispatcher;
const cap = 4;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  hooks = await startHttpsReceiver(ca, ['hooks.test'], { http2: true });
  own = await startHttpsReceiver(ca, ['own.test']);
  dispatcher = await startTestDispatcher(
    {
      WEBHOOK_RESOLVE: 'hooks.test:127.0.0.1,own.test:127.0.0.1',
      DELIVERY_THREADS: '1',
      DELIVERY_CONNECTIONS: String(cap),
      REQUEST_TIMEOUT_SECONDS: '5',
    },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await hooks.close();
  await own.close();
});

async function teamWithEvent(teamId: string, url: string) {
  const apiKey = await dispatcher.createTeam(teamId);
  const webhook = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url, event: 'form.answered' },
  });
  expect(webhook.status).toBe(201);
  const event = { ...cloneSample('form.answered'), webhookEventId: `evt_${teamId}` };
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId, urlKind: 'template', event },
  });
  expect(ingested.status).toBe(202);
  return { secret: webhook.body.secret as string, eventId: event.webhookEventId };
}

it("delivers every team's webhook on an h2 origin over HTTP/2, on one connection", async () => {
  const teams = 30;
  const sent = new Map<string, { secret: string; eventId: string }>();
  for (let i = 0; i < teams; i++)
    sent.set(
      `/hooks/catch/${i}/`,
      await teamWithEvent(`zap${i}`, `https://hooks.test:${hooks.port}/hooks/catch/${i}/`),
    );

  const received = await hooks.waitForRequests(teams, 30_000);
  expect(new Set(received.map((request) => request.path))).toEqual(new Set(sent.keys()));
  for (const request of received) {
    const { secret, eventId } = sent.get(request.path)!;
    expect(request.httpVersion).toBe('2.0');
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(JSON.parse(request.body)).toMatchObject({ webhookEventId: eventId, webhookEventName: 'form.answered' });
    expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  }
  // The first attempts wait for one connection to say it speaks h2, then share it.
  expect(hooks.connections.accepted).toBe(1);
});

it('still delivers to HTTP/1.1-only receivers, signed, within DELIVERY_CONNECTIONS', async () => {
  // Ten customers on one HTTP/1.1 host, each answered after 300 ms: one attempt per connection,
  // never more than the cap open at once (the idle h2 connection above gives up its place).
  own.answer = () => ({ status: 200, delayMs: 300 });
  const sent = new Map<string, { secret: string; eventId: string }>();
  for (let i = 0; i < 10; i++)
    sent.set(`/hook/${i}`, await teamWithEvent(`own${i}`, `https://own.test:${own.port}/hook/${i}`));
  const received = await own.waitForRequests(10, 30_000);
  for (const request of received) {
    const { secret, eventId } = sent.get(request.path)!;
    expect(request.httpVersion).toBe('1.1');
    expect(request.headers['webhook-id']).toBe(eventId);
    expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  }
  expect(own.connections.peakOpen).toBeGreaterThan(1);
  expect(own.connections.peakOpen).toBeLessThanOrEqual(cap);
});
