import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';
import { firstSecondMs } from './firstSecond';

// Whole path, on real HTTPS, with a first-second budget of two: a hung webhook fills it, and a
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
      hungOpenWhenHealthyArrived ??= receiver.openRequests.get('/hangs') ?? 0;
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
    await webhookWithEvents('hung', '/hangs', 4);
    await waitFor('two hung attempts in flight', () => (receiver.openRequests.get('/hangs') === 2 ? true : undefined));
    const firstHungStarted = Math.min(...receiver.received.filter((r) => r.path === '/hangs').map((r) => r.at));

    await webhookWithEvents('healthy', '/answers', 1);
    const healthy = await waitFor('the healthy delivery', () => receiver.received.find((r) => r.path === '/answers'));

    // Sent while both hung attempts were still open (they time out after 20 s)...
    expect(hungOpenWhenHealthyArrived).toBe(2);
    // ...but not before the first of them had been in flight for a second: until then both filled
    // the budget. (The receiver saw each hung request a little after the dispatcher started it:
    // 250 ms allowed. The second may have started later, from a claim rather than the handoff.)
    expect(healthy.at - firstHungStarted).toBeGreaterThanOrEqual(firstSecondMs - 250);
    // Operators see them once both are over a second old (they stay open for 20 s).
    await waitFor('both hung attempts in the unanswered metric', async () => {
      const metrics = await (await fetch(`${dispatcher.url}/metrics`)).text();
      return /^spir_webhook_attempts_unanswered 2$/m.test(metrics) ? true : undefined;
    });
  });
});
