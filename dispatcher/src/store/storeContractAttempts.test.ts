import { storeEngines } from '../testing/storeEngines';
import { claim, event, now, result, team, webhook } from '../testing/storeFixtures';
import type { AttemptResult, ClaimedDelivery } from './storeQueueTypes';
import type { Store } from './store';
import { goneReason } from './rules/attemptEffects';

// What results of attempts do, on every engine: one result at a time in the order given, each as
// if recorded alone (store/rules/attemptEffects.ts), however the worker batched them.

const { engines, cleanUp } = storeEngines('attempts');
afterAll(cleanUp);

describe.each(engines)('the %s store', (_engine, open) => {
  let store: Store;
  let zap: ClaimedDelivery[];
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
    await store.webhooks.createWebhook(webhook('zap', { kind: 'subscription' }));
    for (const id of ['e1', 'e2', 'e3']) await store.events.recordEvent(event(id));
    zap = await claim(store, 'w1');
  });
  afterEach(() => store.close());

  const gone = (d: ClaimedDelivery) => ({
    ...result(d, { kind: 'gone' }),
    response: { status: 410, headers: {}, body: '' },
  });
  const failed = (d: ClaimedDelivery): AttemptResult => result(d, { kind: 'failed' });
  const statuses = async () =>
    Promise.all(zap.map(async (d) => (await store.deliveries.getDelivery('t', d.id))?.status));
  const emailed = async () =>
    (await store.outbox.claimFailureEmails('mailer', now + 60, 60_000, 10)).map((job) => job.email.delivery_id);

  it('lets a 410 cancel the final failure after it in one batch, as in the next batch: nobody is emailed', async () => {
    expect(zap).toHaveLength(3);
    const [first, second, third] = zap as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    await store.queue.recordAttemptResults('w1', [gone(first), failed(second)]);
    await store.queue.recordAttemptResults('w1', [failed(third)]);
    expect(await statuses()).toEqual(['canceled', 'canceled', 'canceled']);
    expect(await store.deliveries.getDelivery('t', first.id)).toMatchObject({ cancel_reason: goneReason });
    expect(await emailed()).toEqual([]);
    expect(await store.webhooks.listWebhooks('t')).toEqual([]);
    // Every attempt happened, so every attempt is logged.
    for (const d of zap) expect((await store.deliveries.listAttempts(d.id)).map((a) => a.outcome)).toEqual(['failed']);
  });

  it('keeps the notices of final failures recorded before a 410 in one batch, as in an earlier batch', async () => {
    const [first, second, third] = zap as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    await store.queue.recordAttemptResults('w1', [failed(first)]);
    await store.queue.recordAttemptResults('w1', [failed(second), gone(third)]);
    expect(await statuses()).toEqual(['failed', 'failed', 'canceled']);
    // The first final failure is emailed at once; the second, while failing, goes to a digest.
    expect(await emailed()).toEqual([first.id]);
    const [digest] = await store.failing.claimNotices('mailer', now + 60, 60_000, 10, 0);
    expect(digest?.failures.map((f) => f.deliveryId)).toEqual([second.id]);
    expect(await store.webhooks.listWebhooks('t')).toEqual([]);
  });

  it('cancels the pending deliveries of a webhook gone, and lets a result before the 410 move its own first', async () => {
    const [first, second] = zap as [ClaimedDelivery, ClaimedDelivery, ClaimedDelivery];
    const retry = { kind: 'retry', nextAttemptAt: now + 600_000 } as const;
    // first retries, then its second attempt in the same batch moves nothing (its lease is gone);
    // the 410 after both cancels first's retry and the third delivery, still leased.
    await store.queue.recordAttemptResults('w1', [
      result(first, retry),
      { ...failed(first), attemptNumber: 2 },
      gone(second),
    ]);
    expect(await statuses()).toEqual(['canceled', 'canceled', 'canceled']);
    expect(await emailed()).toEqual([]);
    expect((await store.deliveries.listAttempts(first.id)).map((a) => a.attempt_number)).toEqual([1, 2]);
  });
});
