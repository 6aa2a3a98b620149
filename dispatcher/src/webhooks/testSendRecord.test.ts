import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// A test send is kept where a person looks: a delivery marked `test: true`, with its attempt in
// the webhook's health; never emailed about, never resent, never among the team's events.
// Whole path: a real HTTPS receiver, a real dispatcher, on SQLite (and PostgreSQL with
// `npm run test:postgres`).
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let key: string;
const webhooks: Record<'ok' | 'fails', string> = { ok: '', fails: '' };

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) =>
    request.path === '/fails' ? { status: 500, body: 'broken' } : { status: 200, body: 'thanks' };
  dispatcher = await startTestDispatcher(
    { RETRY_INTERVAL_SECONDS: '0.05', MAX_RETRIES: '1', WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' },
    { ca: [ca.caCert] },
  );
  key = await dispatcher.createTeam('tests-kept');
  for (const [path, event] of [
    ['ok', 'event.confirmed'],
    ['fails', 'event.canceled'],
  ] as const) {
    const { body } = await dispatcher.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: `https://receiver.test:${receiver.port}/${path}`, event },
    });
    webhooks[path] = body.id as string;
  }
});
afterAll(async () => {
  await dispatcher?.close();
  await receiver?.close();
});

const testSend = async (webhookId: string) =>
  (await dispatcher.call('POST', `/v1/webhooks/${webhookId}/test`, { token: key })).body;
const healthOf = async (webhookId: string) => {
  const { body } = await dispatcher.call('GET', '/v1/webhooks', { token: key });
  return body.data.find((webhook: { id: string }) => webhook.id === webhookId).health;
};
const emails = () => {
  const outbox = join(dispatcher.dataDir, 'outbox');
  return existsSync(outbox) ? readdirSync(outbox).filter((name) => name.endsWith('.eml')) : [];
};

it('keeps a test send as a succeeded delivery marked as a test, with its attempt in the health', async () => {
  const sent = await testSend(webhooks.ok);
  expect(sent).toMatchObject({ succeeded: true, deliveryId: expect.stringMatching(/^dlv_/) });
  const { body: listed } = await dispatcher.call('GET', `/v1/deliveries?webhookId=${webhooks.ok}`, { token: key });
  expect(listed.data).toHaveLength(1);
  expect(listed.data[0]).toMatchObject({
    id: sent.deliveryId,
    status: 'succeeded',
    test: true,
    webhookEventId: sent.webhookEventId,
    eventName: 'event.confirmed',
  });
  const { body: delivery } = await dispatcher.call('GET', `/v1/deliveries/${sent.deliveryId}`, { token: key });
  expect(delivery).toMatchObject({ test: true, status: 'succeeded', round: 1, attemptsInRound: 1 });
  expect(delivery.attempts).toHaveLength(1);
  expect(delivery.attempts[0]).toMatchObject({ outcome: 'succeeded', response: { status: 200, body: 'thanks' } });
  expect(await healthOf(webhooks.ok)).toMatchObject({
    lastAttempt: { succeeded: true, status: 200 },
    attempts24h: 1,
    succeeded24h: 1,
    consecutiveFailures: 0,
  });
});

it('keeps a failed test send as a failed test delivery: counted in the health, never emailed or resent', async () => {
  const sent = await testSend(webhooks.fails);
  expect(sent).toMatchObject({ succeeded: false, response: { status: 500 } });
  const { body: delivery } = await dispatcher.call('GET', `/v1/deliveries/${sent.deliveryId}`, { token: key });
  expect(delivery).toMatchObject({ test: true, status: 'failed', nextAttemptAt: null });
  expect(await healthOf(webhooks.fails)).toMatchObject({
    lastAttempt: { succeeded: false, status: 500 },
    attempts24h: 1,
    consecutiveFailures: 1,
  });

  const resend = await dispatcher.call('POST', `/v1/deliveries/${sent.deliveryId}/resend`, { token: key });
  expect([resend.status, resend.body.error.code]).toEqual([409, 'test_send']);
  const bulk = await dispatcher.call('POST', '/v1/deliveries/resend-failed', {
    token: key,
    body: { since: '2020-01-01T00:00:00Z' },
  });
  expect(bulk.body).toMatchObject({ resent: 0 });
  // The worker never picked it up: still one attempt, and no failure email.
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(
    (await dispatcher.call('GET', `/v1/deliveries/${sent.deliveryId}`, { token: key })).body.attempts,
  ).toHaveLength(1);
  expect(emails()).toEqual([]);
});

it('lists a real event beside the tests as not a test, and keeps test events out of the team’s events', async () => {
  const { body: ingested } = await dispatcher.call('POST', '/internal/v1/events', {
    body: {
      teamId: 'tests-kept',
      urlKind: 'template',
      event: { ...cloneSample('event.confirmed'), webhookEventId: 'evt-real' },
    },
  });
  const [deliveryId] = ingested.deliveries as string[];
  await waitFor('the real delivery to succeed', async () =>
    (await dispatcher.call('GET', `/v1/deliveries/${deliveryId}`, { token: key })).body.status === 'succeeded'
      ? true
      : undefined,
  );
  const { body: listed } = await dispatcher.call('GET', `/v1/deliveries?webhookId=${webhooks.ok}`, { token: key });
  expect(listed.data.map((d: { webhookEventId: string; test: boolean }) => [d.webhookEventId, d.test])).toEqual([
    ['evt-real', false],
    [expect.stringMatching(/^test_/), true],
  ]);
  const { body: events } = await dispatcher.call('GET', '/v1/events?limit=100', { token: key });
  expect(events.data.map((event: { webhookEventId: string }) => event.webhookEventId)).toEqual(['evt-real']);
});
