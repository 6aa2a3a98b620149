import { createAppTester, type Bundle } from 'zapier-platform-core';
import {
  cloneSample,
  generateWebhookSecret,
  signWebhook,
  type WebhookEventName,
  type WebhookEventOf,
} from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import {
  startHttpsReceiver,
  startTestDispatcher,
  waitFor,
  type HttpsReceiver,
  type ReceivedRequest,
  type TestDispatcher,
} from '@spir-webhooks/dispatcher/testing';
import App from '../index';
import type { eventConfirmed } from './eventConfirmed';

const appTester = createAppTester(App);
let catcher: HttpsReceiver;
let dispatcher: TestDispatcher;
let apiKey: string;
let teamCount = 0;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  // Stands in for hooks.zapier.com: a real HTTPS server that keeps what the dispatcher posts.
  catcher = await startHttpsReceiver(ca, ['hooks.zapier.test']);
  dispatcher = await startTestDispatcher(
    { WEBHOOK_RESOLVE: 'hooks.zapier.test:127.0.0.1', RETRY_INTERVAL_SECONDS: '0.1' },
    { ca: [ca.caCert] },
  );
  process.env.API_BASE_URL = dispatcher.url;
});

afterAll(async () => {
  await dispatcher.close();
  await catcher.close();
});

beforeEach(async () => {
  apiKey = await dispatcher.createTeam(`zap${++teamCount}`);
});

const triggerKeys: Record<WebhookEventName, 'event_confirmed' | 'event_canceled' | 'form_answered'> = {
  'event.confirmed': 'event_confirmed',
  'event.canceled': 'event_canceled',
  'form.answered': 'form_answered',
};
const operation = (name: WebhookEventName) => (App.triggers[triggerKeys[name]] as typeof eventConfirmed).operation;

async function subscribe(name: WebhookEventName, zap: string) {
  const targetUrl = `https://hooks.zapier.test:${catcher.port}/hooks/standard/123/${zap}/`;
  const subscribeData = await appTester(operation(name).performSubscribe, {
    authData: { apiKey },
    targetUrl,
  } as Partial<Bundle>);
  return { targetUrl, subscribeData };
}

async function ingest<N extends WebhookEventName>(name: N, webhookEventId: string): Promise<WebhookEventOf<N>> {
  const event = { ...cloneSample(name), webhookEventId } as WebhookEventOf<N>;
  const answer = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: `zap${teamCount}`, urlKind: 'template', event },
  });
  expect(answer.status).toBe(202);
  return event;
}

/** The bundle Zapier builds from a request its hook URL received. */
function hookBundle(request: ReceivedRequest, subscribeData: object): Partial<Bundle> {
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [
      `Http-${name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase())}`,
      String(value),
    ]),
  );
  return {
    authData: { apiKey },
    subscribeData: subscribeData as Bundle['subscribeData'],
    rawRequest: { method: 'POST', headers, content: request.body, querystring: '' },
    cleanedRequest: JSON.parse(request.body),
  };
}

describe.each(Object.keys(triggerKeys) as WebhookEventName[])('the %s trigger', (name) => {
  it('subscribes, receives the signed POST through the dispatcher, and turns it into one item', async () => {
    const { subscribeData } = await subscribe(name, `zap-${name}`);
    expect(subscribeData).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      secret: expect.stringMatching(/^whsec_/),
      event: name,
    });
    const event = await ingest(name, `zapier-${name}-1`);
    const request = await waitFor('the catcher to get the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === event.webhookEventId),
    );

    const items = await appTester(operation(name).perform, hookBundle(request, subscribeData));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      id: event.webhookEventId,
      webhookEventName: name,
      privateTitle: event.payload.privateTitle,
    });
  });
});

describe('perform', () => {
  it('maps people and answers to joined text, line items and one field per question', async () => {
    const { subscribeData } = await subscribe('event.confirmed', 'zap-mapping');
    const event = await ingest('event.confirmed', 'zapier-mapping');
    const request = await waitFor('the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === event.webhookEventId),
    );
    const [item] = await appTester(operation('event.confirmed').perform, hookBundle(request, subscribeData));
    expect(item).toMatchObject({
      inviteeEmail: 'ichiro.suzuki@example.com',
      startDateTime: '2026-12-01T01:00:00Z',
      onlineMeetingUrl: 'https://zoom.us/j/98765432100',
      formAnswer__q_company: '鈴木商事株式会社',
      attendeesFromOrganizerSideNames: '山田 太郎, 佐藤 花子',
      attendeesFromOrganizerSideEmails: 'taro.yamada@example.co.jp, hanako.sato@example.co.jp',
      attendeesFromOrganizerSide: event.payload.attendeesFromOrganizerSide,
      formAnswersText: 'お名前: 鈴木 一郎\n会社・団体名: 鈴木商事株式会社',
      onlineMeetingType: 'zoom',
      utmParameters__utm_campaign: 'winter-hiring-2026',
    });
    const labels = operation('event.confirmed').outputFields.map((field) => [field.key, field.label]);
    expect(labels).toContainEqual(['formAnswer__q_company', 'Form Answer: 会社・団体名']);
  });

  it("refuses a forged request: a changed body, a signature by a secret that is not Spir's, or none at all", async () => {
    const { subscribeData } = await subscribe('form.answered', 'zap-forged');
    const event = await ingest('form.answered', 'zapier-forged');
    const request = await waitFor('the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === event.webhookEventId),
    );
    const tampered = { ...request, body: request.body.replace('鈴木', '佐藤') };
    await expect(appTester(operation('form.answered').perform, hookBundle(tampered, subscribeData))).rejects.toThrow(
      /signature does not verify/,
    );
    // Signed by someone who is not Spir: no secret Spir holds for this subscription verifies it.
    const forgedHeaders = signWebhook({
      webhookEventId: event.webhookEventId,
      body: request.body,
      timestamp: new Date(),
      secrets: [generateWebhookSecret()],
    });
    const forged = { ...request, headers: { ...request.headers, ...forgedHeaders } };
    await expect(appTester(operation('form.answered').perform, hookBundle(forged, subscribeData))).rejects.toThrow(
      /signature does not verify/,
    );
    const unsigned = { ...request, headers: { 'content-type': 'application/json' } };
    await expect(appTester(operation('form.answered').perform, hookBundle(unsigned, subscribeData))).rejects.toThrow(
      /without a Spir signature/,
    );
  });

  it('turns a cancel whose fields Spir names otherwise into an item with the payload flattened and the deviations named', async () => {
    const { subscribeData } = await subscribe('event.canceled', 'zap-deviating');
    const { cancelReason, canceledAt, ...rest } = cloneSample('event.canceled').payload;
    const event = {
      webhookEventName: 'event.canceled',
      webhookEventId: 'zapier-deviating',
      payload: { ...rest, reason: cancelReason, canceledDateTime: canceledAt },
    };
    const answer = await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: `zap${teamCount}`, urlKind: 'template', event },
    });
    expect(answer.status).toBe(202);
    const request = await waitFor('the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === event.webhookEventId),
    );
    const [item] = await appTester(operation('event.canceled').perform, hookBundle(request, subscribeData));
    expect(item).toMatchObject({
      id: 'zapier-deviating',
      reason: cancelReason,
      canceledDateTime: canceledAt,
      invitee__email: rest.invitee.email,
      contractDeviations: expect.stringContaining('payload.cancelReason') as string,
    });
  });

  it('keeps fields Spir added after this app was written, flattened beside the typed ones', async () => {
    const { subscribeData } = await subscribe('form.answered', 'zap-extra');
    const event = cloneSample('form.answered');
    const extended = {
      ...event,
      webhookEventId: 'zapier-extra',
      payload: {
        ...event.payload,
        company: { name: '鈴木商事', size: 40 },
        invitee: { ...event.payload.invitee, phone: '03' },
      },
    };
    await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: `zap${teamCount}`, urlKind: 'template', event: extended },
    });
    const request = await waitFor('the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === 'zapier-extra'),
    );
    const [item] = await appTester(operation('form.answered').perform, hookBundle(request, subscribeData));
    expect(item).toMatchObject({ company__name: '鈴木商事', company__size: '40', invitee__phone: '03' });
    expect(item).not.toHaveProperty('invitee__email');
  });

  it('acknowledges an event name it does not know with no items, once its signature verifies', async () => {
    const { subscribeData } = await subscribe('form.answered', 'zap-unknown-name');
    const body = JSON.stringify({ webhookEventName: 'form.deleted', webhookEventId: 'zapier-unknown', payload: {} });
    const headers = signWebhook({
      webhookEventId: 'zapier-unknown',
      body,
      timestamp: new Date(),
      secrets: [(subscribeData as { secret: string }).secret],
    });
    const request: ReceivedRequest = { at: Date.now(), method: 'POST', path: '/', headers: { ...headers }, body };
    const items = await appTester(operation('form.answered').perform, hookBundle(request, subscribeData));
    expect(items).toEqual([]);
  });

  it('refuses, naming why, a call whose raw request Zapier did not pass: the signature cannot be skipped', async () => {
    const { subscribeData } = await subscribe('form.answered', 'zap-no-raw');
    const event = await ingest('form.answered', 'zapier-no-raw');
    const request = await waitFor('the event', () =>
      catcher.received.find((r) => r.headers['webhook-id'] === event.webhookEventId),
    );
    const signed = hookBundle(request, subscribeData);
    const perform = operation('form.answered').perform;
    // Only the parsed body, as Zapier's types allow: once accepted unverified, now refused.
    await expect(appTester(perform, { ...signed, rawRequest: undefined })).rejects.toThrow(
      /without its raw request \(bundle\.rawRequest\.content\): its Spir signature cannot be checked/,
    );
    // The signature headers without the body they sign.
    const headersOnly = { ...signed.rawRequest, content: undefined };
    await expect(appTester(perform, { ...signed, rawRequest: headersOnly })).rejects.toThrow(/without its raw request/);
    // The body without any headers: once accepted through the parsed body, now refused as unsigned.
    const bodyOnly = { ...signed.rawRequest, headers: {} };
    await expect(appTester(perform, { ...signed, rawRequest: bodyOnly })).rejects.toThrow(/without a Spir signature/);
    expect(await appTester(perform, signed)).toHaveLength(1);
  });
});

describe('performUnsubscribe', () => {
  it('deletes the webhook, and succeeds again when it is already gone', async () => {
    const { subscribeData } = await subscribe('event.canceled', 'zap-unsub');
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: apiKey })).body.data).toHaveLength(1);
    await appTester(operation('event.canceled').performUnsubscribe, {
      authData: { apiKey },
      subscribeData,
    } as Partial<Bundle>);
    expect((await dispatcher.call('GET', '/v1/webhooks', { token: apiKey })).body.data).toEqual([]);
    await expect(
      appTester(operation('event.canceled').performUnsubscribe, {
        authData: { apiKey },
        subscribeData,
      } as Partial<Bundle>),
    ).resolves.toEqual({});
  });
});

describe('performList', () => {
  it("returns the three newest events of the trigger's type, newest first", async () => {
    for (const id of ['list-1', 'list-2', 'list-3', 'list-4']) await ingest('event.canceled', id);
    await ingest('form.answered', 'list-other');
    const items = await appTester(operation('event.canceled').performList, { authData: { apiKey } } as Partial<Bundle>);
    expect(items.map((item) => item.id)).toEqual(['list-4', 'list-3', 'list-2']);
    expect(items[0]).toMatchObject({ cancelReason: expect.any(String), canceledAt: expect.any(String) });
  });
});

describe('errors shown in the Zap editor', () => {
  it("explains that the team's limit of Zaps on an event is reached", async () => {
    await dispatcher.call('PUT', `/internal/v1/teams/zap${teamCount}`, {
      body: { name: 'Small team', adminEmails: ['a@example.com'], maxSubscriptionsPerEvent: 1 },
    });
    await subscribe('event.confirmed', 'zap-first');
    await expect(subscribe('event.confirmed', 'zap-second')).rejects.toThrow(
      /no more Zaps on this event in your team.*turn off a workflow/s,
    );
  });

  it('explains a refused target URL', async () => {
    const bundle = { authData: { apiKey }, targetUrl: 'http://hooks.zapier.test/plain-http' } as Partial<Bundle>;
    await expect(appTester(operation('form.answered').performSubscribe, bundle)).rejects.toThrow(
      /Spir refused the webhook URL: The URL must use https/,
    );
  });
});
