import { createAppTester, type Bundle } from 'zapier-platform-core';
import { cloneSample, signWebhook } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import {
  startHttpsReceiver,
  startTestDispatcher,
  waitFor,
  type HttpsReceiver,
  type TestDispatcher,
} from '@spir-webhooks/dispatcher/testing';
import App from '../index';
import { availabilityLinks } from './availabilityLinks';
import type { eventConfirmed } from './eventConfirmed';

// The app as a Zap uses it day to day, against a real dispatcher: redeliveries, late runs, a
// rotated secret, one availability link, a revoked key.
const appTester = createAppTester(App);
let catcher: HttpsReceiver;
let dispatcher: TestDispatcher;
let clock = Date.now();
let apiKey: string;
let teamId: string;
let teams = 0;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  catcher = await startHttpsReceiver(ca, ['hooks.zapier.test']);
  dispatcher = await startTestDispatcher(
    { WEBHOOK_RESOLVE: 'hooks.zapier.test:127.0.0.1', RETRY_INTERVAL_SECONDS: '0.1' },
    { ca: [ca.caCert], now: () => clock },
  );
  process.env.API_BASE_URL = dispatcher.url;
});

afterAll(async () => {
  await dispatcher.close();
  await catcher.close();
});

beforeEach(async () => {
  teamId = `inuse${++teams}`;
  apiKey = await dispatcher.createTeam(teamId);
});

const confirmed = (App.triggers.event_confirmed as typeof eventConfirmed).operation;

async function subscribe(zap: string, inputData: Record<string, string> = {}) {
  const targetUrl = `https://hooks.zapier.test:${catcher.port}/hooks/${zap}/`;
  const bundle = { authData: { apiKey }, targetUrl, inputData } as Partial<Bundle>;
  return (await appTester(confirmed.performSubscribe, bundle)) as { id: string; secret: string };
}

async function ingest(webhookEventId: string, linkId = '01J8MENSETSU1') {
  clock += 1_000;
  const event = cloneSample('event.confirmed');
  event.webhookEventId = webhookEventId;
  event.payload.originalUrl = `https://app.spirinc.com/t/01HZX3TEAM7Q/as/${linkId}/confirm`;
  await dispatcher.call('POST', '/internal/v1/events', { body: { teamId, urlKind: 'template', event } });
  return event;
}

/** What Zapier hands `perform` for a request its hook URL received. */
function hookBundle(body: string, headers: Record<string, string>, subscribeData: object): Partial<Bundle> {
  const zapierHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [`Http-${name}`, value]));
  return {
    authData: { apiKey },
    subscribeData: subscribeData as Bundle['subscribeData'],
    rawRequest: { method: 'POST', headers: zapierHeaders, content: body, querystring: '' },
    cleanedRequest: JSON.parse(body),
  };
}

const signed = (body: string, id: string, secret: string, at: Date) =>
  signWebhook({ webhookEventId: id, body, timestamp: at, secrets: [secret] }) as unknown as Record<string, string>;

describe('the Event Confirmed trigger in daily use', () => {
  it('runs the Zap once for an event delivered twice (a resend), and once per Zap', async () => {
    const zap1 = await subscribe('dedupe-1');
    const zap2 = await subscribe('dedupe-2');
    const event = await ingest('evt-twice');
    const body = JSON.stringify(event);
    const headers = signed(body, event.webhookEventId, zap1.secret, new Date());
    expect(await appTester(confirmed.perform, hookBundle(body, headers, zap1))).toHaveLength(1);
    expect(await appTester(confirmed.perform, hookBundle(body, headers, zap1))).toEqual([]);
    const forZap2 = signed(body, event.webhookEventId, zap2.secret, new Date());
    expect(await appTester(confirmed.perform, hookBundle(body, forZap2, zap2))).toHaveLength(1);
  });

  it('accepts a correctly signed request that Zapier runs 10 minutes late, and halts a forged late one', async () => {
    const zap = await subscribe('late');
    const event = await ingest('evt-late');
    const body = JSON.stringify(event);
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const late = signed(body, event.webhookEventId, zap.secret, tenMinutesAgo);
    expect(await appTester(confirmed.perform, hookBundle(body, late, zap))).toHaveLength(1);
    const forged = signed(body.replace('鈴木', '佐藤'), 'evt-late-forged', zap.secret, tenMinutesAgo);
    const forgedBody = body.replace('鈴木', '佐藤');
    await expect(
      appTester(confirmed.perform, hookBundle(forgedBody, { ...forged, 'webhook-id': 'x' }, zap)),
    ).rejects.toThrow(/signature does not verify/);
  });

  it('still verifies after the secret was rotated and the 24-hour overlap has passed', async () => {
    const zap = await subscribe('rotated');
    const rotated = await dispatcher.call('POST', `/v1/webhooks/${zap.id}/rotate-secret`, { token: apiKey });
    clock += 25 * 3600_000; // the dispatcher's clock: the old secret has expired
    const secrets = await dispatcher.call('GET', `/v1/webhooks/${zap.id}/secret`, { token: apiKey });
    expect(secrets.body.secrets).toEqual([{ secret: rotated.body.secret, expiresAt: null }]);
    const event = await ingest('evt-rotated');
    const body = JSON.stringify(event);
    const headers = signed(body, event.webhookEventId, rotated.body.secret as string, new Date());
    // The Zap still holds the secret it was given when it was turned on.
    expect(await appTester(confirmed.perform, hookBundle(body, headers, zap))).toHaveLength(1);
  });

  it('offers the links seen in events, and when limited to one gets and samples only its events', async () => {
    await ingest('evt-link-a', 'LINK_A');
    await ingest('evt-link-b', 'LINK_B');
    const links = await appTester(availabilityLinks.operation.perform, { authData: { apiKey } });
    expect(links.map((link) => link.id)).toEqual(['LINK_B', 'LINK_A']);

    const zap = await subscribe('only-a', { availability_link: 'LINK_A' });
    await ingest('evt-link-a-2', 'LINK_A');
    await ingest('evt-link-b-2', 'LINK_B');
    await waitFor('the LINK_A event at the Zap', () =>
      catcher.received.some((r) => r.path === '/hooks/only-a/' && r.headers['webhook-id'] === 'evt-link-a-2')
        ? true
        : undefined,
    );
    expect(
      catcher.received.some((r) => r.path === '/hooks/only-a/' && r.headers['webhook-id'] === 'evt-link-b-2'),
    ).toBe(false);
    const sampled = (await appTester(confirmed.performList, {
      authData: { apiKey },
      inputData: { availability_link: 'LINK_A' },
    } as Partial<Bundle>)) as { id: string }[];
    expect(sampled.map((item) => item.id)).toEqual(['evt-link-a-2', 'evt-link-a']);
    expect(zap.id).toMatch(/^wh_/);
  });

  it('turns a Zap off cleanly with a revoked key, and asks to reconnect on a 401 at run time', async () => {
    const zap = await subscribe('revoked');
    const { body: keys } = await dispatcher.call('GET', `/internal/v1/teams/${teamId}/api-keys`);
    await dispatcher.call('DELETE', `/internal/v1/teams/${teamId}/api-keys/${keys.data[0].id}`);
    await expect(
      appTester(confirmed.performUnsubscribe, { authData: { apiKey }, subscribeData: zap } as Partial<Bundle>),
    ).resolves.toEqual({});
    await expect(appTester(confirmed.performList, { authData: { apiKey } } as Partial<Bundle>)).rejects.toThrow(
      /Reconnect your Spir account/,
    );
  });
});
