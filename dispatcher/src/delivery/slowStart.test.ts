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
  receiver.answer = (request) => (request.path === '/hangs' ? 'hang' : { status: 200, delayMs: 50 });
  dispatcher = await startTestDispatcher(
    {
      REQUEST_TIMEOUT_SECONDS: '0.5',
      RETRY_INTERVAL_SECONDS: '0.1',
      MAX_RETRIES: '10',
      DELIVERY_CONCURRENCY_PER_WEBHOOK: '8',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
    },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

async function webhookWithEvents(teamId: string, path: string, count: number): Promise<void> {
  const apiKey = await dispatcher.createTeam(teamId);
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}${path}`, event: 'form.answered' },
  });
  for (let i = 0; i < count; i++) {
    await dispatcher.call('POST', '/internal/v1/events', {
      body: {
        teamId,
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: `${teamId}-${i}` },
      },
    });
  }
}

/** Samples how many requests to a path hang at the receiver, every 10 ms for `ms`. */
async function peakOpen(path: string, ms: number): Promise<number> {
  let peak = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    peak = Math.max(peak, receiver.openRequests.get(path) ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return peak;
}

describe('per-webhook slow start', () => {
  it('starts a webhook at two attempts in flight and drops it to one after a timeout', async () => {
    await webhookWithEvents('hung', '/hangs', 12);
    expect(await peakOpen('/hangs', 400)).toBe(2);
    await waitFor('the first timeouts', () =>
      receiver.received.filter((r) => r.path === '/hangs').length > 2 ? true : undefined,
    );
    expect(await peakOpen('/hangs', 1_500)).toBe(1);
  });

  it('grows a webhook that answers up to the configured eight', async () => {
    let peak = 0;
    let open = 0;
    receiver.answer = (request) => {
      if (request.path === '/hangs') return 'hang';
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => open--, 50);
      return { status: 200, delayMs: 50 };
    };
    await webhookWithEvents('fast', '/answers', 60);
    await waitFor('all 60 delivered', () =>
      receiver.received.filter((r) => r.path === '/answers').length >= 60 ? true : undefined,
    );
    expect(peak).toBe(8);
  });
});
