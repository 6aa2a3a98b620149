import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) => (request.path === '/down' ? { status: 503 } : { status: 200 });
  // 0.00001 days is 0.864 s; the purge job then runs every 216 ms.
  dispatcher = await startTestDispatcher(
    { RETENTION_DAYS: '0.00001', RETRY_INTERVAL_SECONDS: '30', WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

it('purges finished deliveries, their attempts and bodies after RETENTION_DAYS, and keeps pending ones', async () => {
  const apiKey = await dispatcher.createTeam('r1');
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/up`, event: 'event.confirmed' },
  });
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/down`, event: 'form.answered' },
  });
  const done = (
    await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: 'r1', urlKind: 'template', event: cloneSample('event.confirmed') },
    })
  ).body.deliveries[0];
  const pending = (
    await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId: 'r1', urlKind: 'template', event: cloneSample('form.answered') },
    })
  ).body.deliveries[0];
  // Its attempt can be recorded (on a loaded machine) later than the 0.864 s retention after it
  // finished: the purge may then take it before a poll sees it succeeded.
  await waitFor('the first delivery to succeed', async () => {
    const { status, body } = await dispatcher.call('GET', `/v1/deliveries/${done}`, { token: apiKey });
    return body.status === 'succeeded' || status === 404 ? true : undefined;
  });

  await waitFor(
    'the finished delivery to be purged',
    async () =>
      (await dispatcher.call('GET', `/v1/deliveries/${done}`, { token: apiKey })).status === 404 ? true : undefined,
    10_000,
  );
  const kept = await dispatcher.call('GET', `/v1/deliveries/${pending}`, { token: apiKey });
  expect(kept.body).toMatchObject({ status: 'pending', attempts: [{ attempt: 1, response: { status: 503 } }] });
  const events = await dispatcher.call('GET', '/v1/events', { token: apiKey });
  expect(events.body.data.map((e: { webhookEventName: string }) => e.webhookEventName)).toEqual(['form.answered']);
});

it('purges a deleted webhook, its secret with it, after RETENTION_DAYS', async () => {
  const apiKey = await dispatcher.createTeam('r2');
  const created = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/gone`, event: 'event.canceled' },
  });
  expect((await dispatcher.call('DELETE', `/v1/webhooks/${created.body.id}`, { token: apiKey })).status).toBe(204);
  // Every secret the store still holds, deleted webhooks' included.
  const storedSecrets = async () => {
    const seen: string[] = [];
    await dispatcher.store.webhooks.rewriteWebhookSecrets((stored) => {
      seen.push(stored);
      return stored;
    });
    return seen;
  };
  expect(await storedSecrets()).toContain(created.body.secret);
  await waitFor(
    'the deleted webhook to be purged',
    async () => ((await storedSecrets()).includes(created.body.secret) ? undefined : true),
    10_000,
  );
});
