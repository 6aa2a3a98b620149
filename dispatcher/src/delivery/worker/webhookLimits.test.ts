import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';
import { initialWebhookLimit, nextWebhookLimit, WebhookLimits } from './webhookLimits';

const answered = { answered: true, timedOut: false };
const timedOut = { answered: false, timedOut: true };

describe('the slow-start rule', () => {
  it('starts at one', () => {
    expect(initialWebhookLimit).toBe(1);
    expect(new WebhookLimits(8).of('wh_new')).toBe(1);
  });

  it('grows by one per answer, error answers included, up to the configured limit', () => {
    let limit = initialWebhookLimit;
    const seen = [limit];
    for (let i = 0; i < 10; i++) seen.push((limit = nextWebhookLimit(limit, answered, 8)));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8]);
  });

  it('drops to one after a timeout, and keeps its limit after another failure without an answer', () => {
    expect(nextWebhookLimit(6, timedOut, 8)).toBe(1);
    expect(nextWebhookLimit(3, { answered: false, timedOut: false }, 8)).toBe(3);
  });
});

describe("one worker's webhook limits", () => {
  it('keeps only the limits that moved from one, and forgets the oldest past its bound', () => {
    const limits = new WebhookLimits(8, 2);
    limits.afterAttempt('wh_a', answered);
    limits.afterAttempt('wh_b', answered);
    limits.afterAttempt('wh_b', answered);
    expect([...limits.changed]).toEqual([
      ['wh_a', 2],
      ['wh_b', 3],
    ]);
    limits.afterAttempt('wh_b', timedOut);
    expect([...limits.changed]).toEqual([['wh_a', 2]]);
    limits.afterAttempt('wh_c', answered);
    limits.afterAttempt('wh_d', answered);
    expect([...limits.changed.keys()]).toEqual(['wh_c', 'wh_d']);
    expect(limits.of('wh_a')).toBe(1);
  });

  it('shows a claim, which gives every webhook one slot, a grown webhook as that much emptier', () => {
    const limits = new WebhookLimits(8);
    for (let i = 0; i < 3; i++) limits.afterAttempt('wh_grown', answered);
    // wh_grown: limit 4, 1 in flight: three free, which a claim giving one slot sees as -2 in flight.
    const view = limits.inFlightAsClaimed(
      new Map([
        ['wh_grown', 1],
        ['wh_new', 1],
      ]),
    );
    expect([...view]).toEqual([
      ['wh_grown', -2],
      ['wh_new', 1],
    ]);
    // At exactly its limit, it is as full as a claim can see.
    expect([...limits.inFlightAsClaimed(new Map([['wh_grown', 4]]))]).toEqual([['wh_grown', 1]]);
  });
});

// Whole path, on real HTTPS. What is asserted holds whatever the scheduling: the receiver counts
// open requests exactly (not by sampling), and decides itself when each one is answered.
function slowStartRig(requestTimeoutSeconds: string) {
  const rig = {
    receiver: undefined as unknown as HttpsReceiver,
    dispatcher: undefined as unknown as TestDispatcher,
    release: [] as (() => void)[],
    maxOpen: 0,
    open: (path: string) => rig.receiver.openRequests.get(path) ?? 0,
    webhookWithEvents: (teamId: string, path: string, count: number) =>
      rig.dispatcher.webhookWithEvents(teamId, `https://receiver.test:${rig.receiver.port}${path}`, count),
  };

  beforeAll(async () => {
    const ca = await createThrowawayCa();
    rig.receiver = await startHttpsReceiver(ca, ['receiver.test']);
    rig.receiver.answer = (request) => {
      if (request.path === '/hangs') return 'hang';
      const heldUntil = new Promise<void>((resolve) => rig.release.push(resolve));
      rig.maxOpen = Math.max(rig.maxOpen, (rig.receiver.openRequests.get(request.path) ?? 0) + 1);
      return { status: 200, heldUntil };
    };
    rig.dispatcher = await startTestDispatcher(
      {
        REQUEST_TIMEOUT_SECONDS: requestTimeoutSeconds,
        RETRY_INTERVAL_SECONDS: '0.1',
        MAX_RETRIES: '10',
        DELIVERY_CONCURRENCY_PER_WEBHOOK: '8',
        WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
        // These tests read every delivery's attempts many times a second.
        TEAM_API_REQUESTS_PER_SECOND: '100000',
      },
      { ca: [ca.caCert] },
    );
  });

  afterAll(async () => {
    for (const resolve of rig.release.splice(0)) resolve();
    await rig.dispatcher.close();
    await rig.receiver.close();
  });

  return rig;
}

describe('per-webhook slow start in the worker, answers held by the test', () => {
  // The test holds each answer until it releases it, which on a loaded machine can take seconds:
  // a timeout here would drop the limit to one and test the timeout rule instead.
  const rig = slowStartRig('60');

  it('grows a webhook that answers by one per answer, up to the configured eight and never beyond', async () => {
    await rig.webhookWithEvents('fast', '/answers', 40);
    await waitFor('one request open', () => (rig.open('/answers') === 1 ? true : undefined));
    // Each answer lets the webhook have one more in flight; the backlog fills every slot.
    for (let answers = 1; answers <= 10; answers++) {
      rig.release.shift()!();
      const expected = Math.min(8, 1 + answers);
      await waitFor(`${expected} requests open after ${answers} answers`, () =>
        rig.open('/answers') === expected ? true : undefined,
      );
    }
    expect(rig.maxOpen).toBe(8);
  });
});

describe('per-webhook slow start in the worker, a webhook that never answers', () => {
  const rig = slowStartRig('0.5');

  it('sends to a webhook that never answered one attempt at a time, though twelve are due at once', async () => {
    const apiKey = await rig.webhookWithEvents('hung', '/hangs', 12);
    const attempts = await waitFor('seven attempts recorded', async () => {
      const { body } = await rig.dispatcher.call('GET', '/v1/deliveries?limit=100', { token: apiKey });
      const all: { startedAt: string; durationMs: number }[] = [];
      for (const delivery of body.data as { id: string }[]) {
        const one = await rig.dispatcher.call('GET', `/v1/deliveries/${delivery.id}`, { token: apiKey });
        all.push(...(one.body.attempts as { startedAt: string; durationMs: number }[]));
      }
      return all.length >= 7 ? all : undefined;
    });
    const spans = attempts
      .map((a) => ({ start: Date.parse(a.startedAt), end: Date.parse(a.startedAt) + a.durationMs }))
      .sort((a, b) => a.start - b.start);
    // Each starts after every earlier one ended (a millisecond of rounding allowed between the two
    // clocks an attempt is timed with).
    for (let i = 1; i < spans.length; i++) {
      const latestEnd = Math.max(...spans.slice(0, i).map((span) => span.end));
      expect(spans[i]!.start).toBeGreaterThanOrEqual(latestEnd - 1);
    }
  });
});
