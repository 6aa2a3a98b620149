import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cloneSample, type WebhookEventOf } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

let catcher: HttpsReceiver;
let dispatcher: TestDispatcher;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  catcher = await startHttpsReceiver(ca, ['hooks.zapier.test', 'receiver.test']);
  catcher.answer = (request) => (request.path.startsWith('/gone') ? { status: 410 } : { status: 200 });
  dispatcher = await startTestDispatcher(
    { RETRY_INTERVAL_SECONDS: '0.1', WEBHOOK_RESOLVE: 'hooks.zapier.test:127.0.0.1,receiver.test:127.0.0.1' },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await catcher.close();
});

const register = (apiKey: string, body: object) => dispatcher.call('POST', '/v1/webhooks', { token: apiKey, body });
const ingest = (teamId: string, event: object, urlKind = 'template') =>
  dispatcher.call('POST', '/internal/v1/events', { body: { teamId, urlKind, event } });
const received = (path: string, id: string) =>
  catcher.received.filter((r) => r.path === path && r.headers['webhook-id'] === id);
const outboxFiles = () => {
  const outbox = join(dispatcher.dataDir, 'outbox');
  return existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];
};

function eventOfLink(linkId: string, id: string): WebhookEventOf<'event.confirmed'> {
  const event = cloneSample('event.confirmed');
  event.webhookEventId = id;
  event.payload.originalUrl = `https://app.spirinc.com/t/01HZX3TEAM7Q/as/${linkId}/confirm`;
  event.payload.privateTitle = `Link ${linkId}`;
  return event;
}

describe('subscriptions and registered URLs', () => {
  it('delivers one event to two Zaps and the registered URL: subscriptions do not count against its limit', async () => {
    const apiKey = await dispatcher.createTeam('zaps');
    const hook = (path: string, kind: string) => ({
      url: `https://hooks.zapier.test:${catcher.port}${path}`,
      event: 'event.confirmed',
      kind,
    });
    expect(
      (await register(apiKey, { url: `https://receiver.test:${catcher.port}/own`, event: 'event.confirmed' })).status,
    ).toBe(201);
    expect((await register(apiKey, hook('/zap-1', 'subscription'))).body.kind).toBe('subscription');
    expect((await register(apiKey, hook('/zap-2', 'subscription'))).status).toBe(201);
    expect(
      (await register(apiKey, { url: `https://receiver.test:${catcher.port}/own-2`, event: 'event.confirmed' })).status,
    ).toBe(409);
    await ingest('zaps', eventOfLink('L1', 'evt-three-ways'));
    for (const path of ['/own', '/zap-1', '/zap-2']) {
      await waitFor(`the event at ${path}`, () => (received(path, 'evt-three-ways').length === 1 ? true : undefined));
    }
    const listed = await dispatcher.call('GET', '/v1/webhooks', { token: apiKey });
    expect(listed.body.data.map((w: { kind: string }) => w.kind).sort()).toEqual([
      'endpoint',
      'subscription',
      'subscription',
    ]);
  });

  it('removes a subscription that answers 410 Gone after one attempt, with no failure email', async () => {
    const apiKey = await dispatcher.createTeam('gone-zap');
    const created = await register(apiKey, {
      url: `https://hooks.zapier.test:${catcher.port}/gone-zap`,
      event: 'event.confirmed',
      kind: 'subscription',
    });
    const { body } = await ingest('gone-zap', eventOfLink('L1', 'evt-gone-zap'));
    const delivery = await waitFor('the delivery to end', async () => {
      const one = await dispatcher.call('GET', `/v1/deliveries/${body.deliveries[0]}`, { token: apiKey });
      return one.body.status === 'pending' ? undefined : one.body;
    });
    expect(delivery).toMatchObject({ status: 'canceled', cancelReason: expect.stringContaining('410 Gone') });
    expect(delivery.attempts).toHaveLength(1);
    expect((await dispatcher.call('GET', `/v1/webhooks/${created.body.id}`, { token: apiKey })).status).toBe(404);
    // A registered URL's 410 in the next test does produce an email: none must be for this one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outboxFiles().filter((name) => name.includes(body.deliveries[0]))).toEqual([]);
  });

  it("gives a registered URL that answers 410 Spir's retries and the failure email", async () => {
    const apiKey = await dispatcher.createTeam('gone-url');
    await register(apiKey, { url: `https://receiver.test:${catcher.port}/gone-url`, event: 'event.confirmed' });
    const { body } = await ingest('gone-url', eventOfLink('L1', 'evt-gone-url'));
    const delivery = await waitFor('the final failure', async () => {
      const one = await dispatcher.call('GET', `/v1/deliveries/${body.deliveries[0]}`, { token: apiKey });
      return one.body.status === 'failed' ? one.body : undefined;
    });
    expect(delivery.attempts).toHaveLength(5);
    await waitFor('the failure email', () =>
      outboxFiles().some((name) => name.includes(body.deliveries[0])) ? true : undefined,
    );
  });
});

describe('availability links', () => {
  it("delivers to a webhook limited to one link only that link's events", async () => {
    const apiKey = await dispatcher.createTeam('links');
    const limited = await register(apiKey, {
      url: `https://receiver.test:${catcher.port}/only-l2`,
      event: 'event.confirmed',
      availabilityLinks: ['https://app.spirinc.com/t/01HZX3TEAM7Q/as/L2/confirm'],
    });
    expect(limited.body.availabilityLinks).toEqual(['L2']);
    await ingest('links', eventOfLink('L1', 'evt-link-1'));
    await ingest('links', eventOfLink('L2', 'evt-link-2'));
    await waitFor('the L2 event', () => (received('/only-l2', 'evt-link-2').length === 1 ? true : undefined));
    const l1 = await dispatcher.call('GET', '/v1/deliveries?event=event.confirmed', { token: apiKey });
    expect(l1.body.data.map((d: { webhookEventId: string }) => d.webhookEventId)).toEqual(['evt-link-2']);
    expect(received('/only-l2', 'evt-link-1')).toEqual([]);
  });

  it("lists the team's links seen in its template events, and samples only events that would be delivered", async () => {
    const apiKey = await dispatcher.createTeam('seen');
    await ingest('seen', eventOfLink('A1', 'evt-a1'));
    await ingest('seen', eventOfLink('B2', 'evt-b2'));
    await ingest('seen', eventOfLink('ONEOFF', 'evt-oneoff'), 'oneOff');
    const links = await dispatcher.call('GET', '/v1/availability-links', { token: apiKey });
    expect(links.body.data.map((l: { linkId: string }) => l.linkId)).toEqual(['B2', 'A1']);
    expect(links.body.data[0]).toMatchObject({
      originalUrl: 'https://app.spirinc.com/t/01HZX3TEAM7Q/as/B2/confirm',
      privateTitle: 'Link B2',
    });
    const all = await dispatcher.call('GET', '/v1/events?name=event.confirmed', { token: apiKey });
    expect(all.body.data.map((e: { webhookEventId: string }) => e.webhookEventId)).toEqual(['evt-b2', 'evt-a1']);
    const ofA1 = await dispatcher.call('GET', '/v1/events?availabilityLink=A1', { token: apiKey });
    expect(ofA1.body.data.map((e: { webhookEventId: string }) => e.webhookEventId)).toEqual(['evt-a1']);
  });
});
