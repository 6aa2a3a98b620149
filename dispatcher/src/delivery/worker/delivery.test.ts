import { Webhook } from 'standardwebhooks';
import { cloneSample, type WebhookEventName } from '@spir-webhooks/shared-types';
import { createThrowawayCa, withUnknownFieldsEverywhere } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver, type ReceiverAnswer } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let eventCounter = 0;

// Each test's webhook has its own path; the receiver answers by path.
const scripts = new Map<string, (index: number) => ReceiverAnswer>();

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) => {
    const script = scripts.get(request.path);
    const index = receiver.received.filter((r) => r.path === request.path).length - 1;
    return script === undefined ? { status: 200 } : script(index);
  };
  dispatcher = await startTestDispatcher(
    {
      RETRY_INTERVAL_SECONDS: '0.2',
      REQUEST_TIMEOUT_SECONDS: '1',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      DELIVERY_CONCURRENCY_PER_WEBHOOK: '2',
    },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

async function registerAndIngest(
  path: string,
  script?: (index: number) => ReceiverAnswer,
  name: WebhookEventName = 'event.confirmed',
) {
  if (script !== undefined) scripts.set(path, script);
  const teamId = `team${++eventCounter}`;
  const apiKey = await dispatcher.createTeam(teamId);
  const webhook = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}${path}`, event: name },
  });
  expect(webhook.status).toBe(201);
  const event = cloneSample(name);
  event.webhookEventId = `evt_${eventCounter}_${Date.now()}`;
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId, urlKind: 'template', event },
  });
  expect(ingested.status).toBe(202);
  expect(ingested.body.deliveries).toHaveLength(1);
  return { apiKey, secret: webhook.body.secret as string, event, deliveryId: ingested.body.deliveries[0] as string };
}

async function finishedDelivery(apiKey: string, deliveryId: string) {
  return waitFor(`delivery ${deliveryId} to finish`, async () => {
    const { body } = await dispatcher.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey });
    return body.status === 'pending' ? undefined : body;
  });
}

const gapsBetweenAttempts = (attempts: { startedAt: string; durationMs: number }[]) =>
  attempts
    .slice(1)
    .map(
      (attempt, i) => Date.parse(attempt.startedAt) - (Date.parse(attempts[i]!.startedAt) + attempts[i]!.durationMs),
    );

describe('delivery', () => {
  it('delivers the event exactly as Spir sent it: unknown fields at every level, its key order, signed', async () => {
    const teamId = `team${++eventCounter}`;
    const apiKey = await dispatcher.createTeam(teamId);
    const webhook = await dispatcher.call('POST', '/v1/webhooks', {
      token: apiKey,
      body: { url: `https://receiver.test:${receiver.port}/as-sent`, event: 'event.confirmed' },
    });
    // Keys in an order zod would not give back (payload first, an unknown field between known ones).
    const { payload, webhookEventName, spirRegion, webhookEventId } = withUnknownFieldsEverywhere();
    const sent = JSON.stringify({ payload, spirRegion, webhookEventId, webhookEventName });
    const ingested = await dispatcher.call('POST', '/internal/v1/events', {
      rawBody: `{"teamId":"${teamId}","urlKind":"template","event":${sent}}`,
    });
    expect(ingested.status).toBe(202);
    const request = await waitFor('the event at the receiver', () =>
      receiver.received.find((r) => r.path === '/as-sent'),
    );
    expect(request.body).toBe(sent);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]));
    expect(new Webhook(webhook.body.secret as string).verify(request.body, headers)).toEqual(JSON.parse(sent));
  });

  it('delivers on the first try a POST that the standardwebhooks library verifies', async () => {
    const { apiKey, secret, event, deliveryId } = await registerAndIngest('/first-try');
    const delivery = await finishedDelivery(apiKey, deliveryId);
    expect(delivery).toMatchObject({
      status: 'succeeded',
      attempts: [{ attempt: 1, outcome: 'succeeded', response: { status: 200 } }],
    });

    const request = receiver.received.find((r) => r.path === '/first-try')!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^Spir-Webhooks\/\d+\.\d+\.\d+$/);
    expect(request.headers['webhook-id']).toBe(event.webhookEventId);
    const headers = {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    };
    expect(new Webhook(secret).verify(request.body, headers)).toEqual(event);
  });

  it.each<[string, ReceiverAnswer, object]>([
    ['500', { status: 500, body: 'boom' }, { response: { status: 500, body: 'boom' } }],
    [
      '302',
      { status: 302, headers: { location: 'https://receiver.test/elsewhere' } },
      { response: { status: 302, headers: { location: 'https://receiver.test/elsewhere' } } },
    ],
    ['404', { status: 404 }, { response: { status: 404 } }],
    ['hang', 'hang', { response: null, error: { code: 'timeout' } }],
  ])('retries after a %s and succeeds on the next try, 0.2 s after the failure', async (kind, failure, recorded) => {
    const { apiKey, deliveryId } = await registerAndIngest(`/then-ok-${kind}`, (index) =>
      index === 0 ? failure : { status: 204 },
    );
    const delivery = await finishedDelivery(apiKey, deliveryId);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts).toHaveLength(2);
    expect(delivery.attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed', ...recorded });
    expect(delivery.attempts[1]).toMatchObject({ attempt: 2, outcome: 'succeeded', response: { status: 204 } });
    expect(gapsBetweenAttempts(delivery.attempts)[0]).toBeGreaterThanOrEqual(195);
    expect(receiver.received.filter((r) => r.path === '/elsewhere')).toHaveLength(0);
  });

  it('records an attempt whose response body is binary (a NUL byte among others), and the next ones', async () => {
    const binary = 'ok\u0000\u00ff\u00fe\u0001';
    const { apiKey, deliveryId } = await registerAndIngest('/binary-body', () => ({ status: 200, body: binary }));
    const delivery = await finishedDelivery(apiKey, deliveryId);
    expect(delivery.status).toBe('succeeded');
    // Kept as text, the NUL byte (which PostgreSQL's text refuses) as U+FFFD.
    expect(delivery.attempts[0].response.body).toBe('ok\uFFFD\u00ff\u00fe\u0001');
    // A later delivery is still recorded: the attempt did not wedge this worker's records.
    const next = await registerAndIngest('/after-binary-body');
    expect((await finishedDelivery(next.apiKey, next.deliveryId)).status).toBe('succeeded');
  });

  it('gives up after five failed attempts, 0.2 s apart, and sends no sixth', async () => {
    const { apiKey, deliveryId } = await registerAndIngest('/always-503', () => ({ status: 503 }));
    const delivery = await finishedDelivery(apiKey, deliveryId);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3, 4, 5]);
    for (const gap of gapsBetweenAttempts(delivery.attempts)) {
      expect(gap).toBeGreaterThanOrEqual(195);
      // Well under Spir's default 10 s, so an ignored RETRY_INTERVAL_SECONDS fails, with room for a loaded machine.
      expect(gap).toBeLessThan(5_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((r) => r.path === '/always-503')).toHaveLength(5);
  });

  it('sends every attempt of a delivery with the same webhook-id and body', async () => {
    const { apiKey, deliveryId, event } = await registerAndIngest(
      '/twice',
      (index) => (index === 0 ? { status: 500 } : { status: 200 }),
      'form.answered',
    );
    await finishedDelivery(apiKey, deliveryId);
    const requests = receiver.received.filter((r) => r.path === '/twice');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([event.webhookEventId, event.webhookEventId]);
    expect(requests[0]!.body).toBe(requests[1]!.body);
  });

  it('keeps a healthy endpoint flowing while another one hangs, which holds only its own share', async () => {
    const hung = await registerAndIngest('/hangs', () => 'hang');
    for (let i = 0; i < 5; i++) {
      const event = { ...cloneSample('event.confirmed'), webhookEventId: `hung_${i}` };
      expect(
        (
          await dispatcher.call('POST', '/internal/v1/events', {
            body: { teamId: `team${eventCounter}`, urlKind: 'template', event },
          })
        ).status,
      ).toBe(202);
    }
    await waitFor('a hung request open', () => (receiver.openRequests.get('/hangs') === 1 ? true : undefined));
    let hungInFlight: number | undefined;
    const healthy = await registerAndIngest('/healthy', () => {
      hungInFlight = receiver.openRequests.get('/hangs');
      return { status: 200 };
    });
    const delivery = await finishedDelivery(healthy.apiKey, healthy.deliveryId);
    expect(delivery.status).toBe('succeeded');
    // Six deliveries are due for the hung webhook, but it never answered, so one is in flight at a time.
    expect(hungInFlight).toBe(1);
    const stillHung = await dispatcher.call('GET', `/v1/deliveries/${hung.deliveryId}`, { token: hung.apiKey });
    expect(stillHung.body.status).toBe('pending');
  });

  it('goes on recording after the store refuses one attempt record (its delivery purged while in flight)', async () => {
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const gone = await registerAndIngest('/purged-in-flight', () => ({ status: 200, heldUntil: answered }));
    await waitFor('the attempt in flight', () =>
      receiver.openRequests.get('/purged-in-flight') === 1 ? true : undefined,
    );
    // Deleting the webhook cancels the delivery; a purge that runs now removes it, attempt in
    // flight or not, so that recording the attempt breaks a foreign key whatever the engine.
    const [webhook] = (await dispatcher.call('GET', '/v1/webhooks', { token: gone.apiKey })).body.data;
    expect((await dispatcher.call('DELETE', `/v1/webhooks/${webhook.id}`, { token: gone.apiKey })).status).toBe(204);
    expect((await dispatcher.store.retention.purgeFinishedBefore(Date.now() + 1_000)).deliveries).toBeGreaterThan(0);
    answer();
    await waitFor('the attempt answered', () =>
      receiver.openRequests.get('/purged-in-flight') === 0 ? true : undefined,
    );
    // Retried as a batch with later results added, that one record kept every later one out.
    for (const path of ['/after-purged-1', '/after-purged-2']) {
      const next = await registerAndIngest(path);
      expect((await finishedDelivery(next.apiKey, next.deliveryId)).status).toBe('succeeded');
    }
  });
});
