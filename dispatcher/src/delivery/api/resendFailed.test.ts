import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

// The morning after a customer's outage: every delivery that finally failed since a moment, resent
// in one call, oldest first, with the same webhook-ids.
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let down = true;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = () => (down ? { status: 503 } : { status: 200 });
  dispatcher = await startTestDispatcher(
    { MAX_RETRIES: '0', WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

it('resends every delivery that failed since a moment, once a minute, and only those', async () => {
  const apiKey = await dispatcher.createTeam('outage');
  const webhook = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/hook`, event: 'form.answered' },
  });
  const ingest = async (id: string) =>
    (
      await dispatcher.call('POST', '/internal/v1/events', {
        body: { teamId: 'outage', urlKind: 'template', event: { ...cloneSample('form.answered'), webhookEventId: id } },
      })
    ).body.deliveries[0] as string;
  // Off, so that the resends' 2xx does not send the one before the moment again on its own
  // (automatic recovery: delivery/recovery/outageRecovery.test.ts).
  const off = await dispatcher.call('PATCH', `/v1/webhooks/${webhook.body.id}`, {
    token: apiKey,
    body: { autoRedeliver: false },
  });
  expect(off.body.autoRedeliver).toBe(false);
  const before = await ingest('before-the-outage');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const since = new Date().toISOString();
  const during = [await ingest('outage-1'), await ingest('outage-2'), await ingest('outage-3')];
  const status = async (id: string) =>
    (await dispatcher.call('GET', `/v1/deliveries/${id}`, { token: apiKey })).body.status;
  await waitFor('every delivery to fail', async () =>
    (await Promise.all([before, ...during].map(status))).every((s) => s === 'failed') ? true : undefined,
  );

  down = false;
  const sentBefore = receiver.received.length;
  const answer = await dispatcher.call('POST', '/v1/deliveries/resend-failed', {
    token: apiKey,
    body: { since, webhookId: webhook.body.id },
  });
  expect(answer).toMatchObject({ status: 202, body: { resent: 3, skipped: 0, more: false } });
  await waitFor('the resent deliveries to succeed', async () =>
    (await Promise.all(during.map(status))).every((s) => s === 'succeeded') ? true : undefined,
  );
  expect(await status(before)).toBe('failed');
  const resentIds = receiver.received.slice(sentBefore).map((r) => r.headers['webhook-id']);
  expect(resentIds.sort()).toEqual(['outage-1', 'outage-2', 'outage-3']);

  const again = await dispatcher.call('POST', '/v1/deliveries/resend-failed', { token: apiKey, body: { since } });
  expect(again.status).toBe(429);
  const bad = await dispatcher.call('POST', '/v1/deliveries/resend-failed', {
    token: apiKey,
    body: { since: 'yesterday' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toContain('since must be an ISO 8601 date-time');
});
