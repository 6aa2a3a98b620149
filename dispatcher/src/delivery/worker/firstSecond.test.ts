import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';
import { firstSecondMs } from './firstSecond';

// Whole path, on real HTTPS, with a first-second budget of two: two hung webhooks fill it, and a
// healthy one must still be delivered once the hung attempts are a second old, long before they
// time out. Both sides of that are read from the receiver's own clock and exact counts, so
// scheduling can only make the test slower, not wrong.
describe('the first-second budget beside hung endpoints', () => {
  let receiver: HttpsReceiver;
  let dispatcher: TestDispatcher;
  let hungOpenWhenHealthyArrived: number | undefined;

  beforeAll(async () => {
    const ca = await createThrowawayCa();
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
    receiver.answer = (request) => {
      if (request.path === '/hangs') return 'hang';
      if (request.path === '/answers') hungOpenWhenHealthyArrived ??= receiver.openRequests.get('/hangs') ?? 0;
      return { status: 200 };
    };
    dispatcher = await startTestDispatcher(
      {
        REQUEST_TIMEOUT_SECONDS: '20',
        DELIVERY_CONCURRENCY_FIRST_SECOND: '2',
        WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      },
      { ca: [ca.caCert] },
    );
  });

  afterAll(async () => {
    await dispatcher.close();
    await receiver.close();
  });

  const webhookWithEvents = (teamId: string, path: string, count: number) =>
    dispatcher.webhookWithEvents(teamId, `https://receiver.test:${receiver.port}${path}`, count);

  it('lets attempts unanswered for a second stop counting, so a healthy webhook is served while they hang', async () => {
    // A first delivery warms the sending thread and its TLS context: the first attempt of a fresh
    // dispatcher reaches the receiver a few hundred ms after it starts, which the check below
    // (from the receiver's clock) would otherwise read as the budget freeing early.
    await webhookWithEvents('warm', '/warm', 1);
    await waitFor('the warm-up delivery', () => receiver.received.find((r) => r.path === '/warm'));
    // Each has never answered, so each holds one attempt (slow start); the other events wait.
    const hungKey = await webhookWithEvents('hung1', '/hangs', 2);
    await webhookWithEvents('hung2', '/hangs', 2);
    await waitFor('two hung attempts in flight', () => (receiver.openRequests.get('/hangs') === 2 ? true : undefined));
    const firstHungStarted = Math.min(...receiver.received.filter((r) => r.path === '/hangs').map((r) => r.at));

    await webhookWithEvents('healthy', '/answers', 1);
    const healthy = await waitFor('the healthy delivery', () => receiver.received.find((r) => r.path === '/answers'));

    // Sent while both hung attempts were still open (they time out after 20 s)...
    expect(hungOpenWhenHealthyArrived).toBe(2);
    // ...but not before the first of them had been in flight for a second: until then both filled
    // the budget. (The receiver saw each hung request a little after the dispatcher started it:
    // 250 ms allowed. The second started later, from the next claim.)
    expect(healthy.at - firstHungStarted).toBeGreaterThanOrEqual(firstSecondMs - 250);
    // Operators see them once both are over a second old (they stay open for 20 s).
    await waitFor('both hung attempts in the unanswered metric', async () => {
      const metrics = await (await fetch(`${dispatcher.internalUrl}/metrics`)).text();
      return /^spir_webhook_attempts_unanswered 2$/m.test(metrics) ? true : undefined;
    });

    // A test send takes any free slot of a webhook's limit, the one left to claims included: none
    // of the hung one's (it never answered, so its one slot is in use); a new webhook's one slot.
    const testSend = async (apiKey: string) => {
      const { body } = await dispatcher.call('GET', '/v1/webhooks', { token: apiKey });
      const response = await fetch(`${dispatcher.url}/v1/webhooks/${body.data[0].id}/test`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
    };
    expect(await testSend(hungKey)).toMatchObject({
      status: 429,
      retryAfter: '1',
      body: { error: { code: 'webhook_busy' } },
    });
    const newKey = await webhookWithEvents('new', '/answers', 0);
    expect(await testSend(newKey)).toMatchObject({ status: 200, body: { succeeded: true } });
  });
});
