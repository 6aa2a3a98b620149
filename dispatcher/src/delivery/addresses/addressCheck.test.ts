import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

// A test resolver stands in for DNS: sneaky.example.com resolves to loopback, where a real
// HTTPS server with a valid certificate for that name is listening.
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['sneaky.example.com']);
  dispatcher = await startTestDispatcher(
    { RETRY_INTERVAL_SECONDS: '0.05', MAX_RETRIES: '1', REQUEST_TIMEOUT_SECONDS: '2' },
    { ca: [ca.caCert], lookup: async () => [{ address: '127.0.0.1', family: 4 }] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

it('refuses at connect time a host name that resolves to 127.0.0.1, and records why', async () => {
  const apiKey = await dispatcher.createTeam('t1');
  const webhook = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://sneaky.example.com:${receiver.port}/hook`, event: 'form.answered' },
  });
  expect(webhook.status).toBe(201);
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: 't1', urlKind: 'template', event: cloneSample('form.answered') },
  });
  const deliveryId = ingested.body.deliveries[0];
  const delivery = await waitFor('the delivery to fail', async () => {
    const { body } = await dispatcher.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey });
    return body.status === 'failed' ? body : undefined;
  });
  expect(delivery.attempts).toHaveLength(2);
  expect(delivery.attempts[0]).toMatchObject({
    outcome: 'failed',
    response: null,
    error: { code: 'blocked_address', message: expect.stringContaining('does not resolve to a public address') },
  });
  expect(JSON.stringify(delivery)).not.toContain('127.0.0.1');
  // Outside development (no WEBHOOK_RESOLVE), no hint names an operator's variable.
  expect(JSON.stringify(delivery)).not.toContain('WEBHOOK_RESOLVE');
  expect(receiver.received).toHaveLength(0);
});
