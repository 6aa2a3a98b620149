import { storeEngines } from '../testing/storeEngines';
import { event, now, result, team, webhook } from '../testing/storeFixtures';
import type { ClaimedDelivery } from './storeQueueTypes';
import type { Store } from './store';

// A webhook's failing state on every engine (store/failingStore.ts): probes and their backoff,
// the recovery that sends the run's failures again, and the notices it leaves.

const { engines, cleanUp } = storeEngines('failing');
afterAll(cleanUp);

const probeMs = 1_000;

describe.each(engines)('the %s store', (_engine, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
    await store.webhooks.createWebhook(webhook('w'));
    for (const id of ['e1', 'e2']) await store.events.recordEvent(event(id));
  });
  afterEach(() => store.close());

  const claimAt = (at: number) =>
    store.queue.claimDueDeliveries({
      workerId: 'w1',
      now: at,
      leaseUntil: at + 60_000,
      limit: 10,
      perWebhookLimit: 8,
      inFlightByWebhook: new Map(),
      limitByWebhook: new Map(),
    });
  // An attempt that started at `at` and took 5 ms.
  const outcome = (d: ClaimedDelivery, at: number, succeeded: boolean) => ({
    ...result(d, succeeded ? { kind: 'succeeded' } : { kind: 'failed' }),
    startedAt: at,
    response: { status: succeeded ? 200 : 503, headers: {}, body: '' },
  });

  async function failBoth(): Promise<[ClaimedDelivery, ClaimedDelivery]> {
    // In the order the events came (e1, then e2): a claim's own order is not the events' order.
    const claimed = (await claimAt(now)).sort((a, b) => a.webhookEventId.localeCompare(b.webhookEventId));
    const [d1, d2] = claimed as [ClaimedDelivery, ClaimedDelivery];
    await store.queue.recordAttemptResults('w1', [outcome(d1, now, false), outcome(d2, now + 10, false)]);
    return [d1, d2];
  }

  it('probes with the oldest failure, twice as long after each failed probe, then sends the rest again', async () => {
    const [d1, d2] = await failBoth();
    expect((await store.failing.statesOfTeam('t')).get('w')).toEqual({
      failingSince: now + 5,
      autoRedeliver: true,
      failedDeliveries: 2,
    });
    // The last final failure ended at now + 15: the first probe is due a period later.
    expect(await store.failing.startDueProbes(now + 15 + probeMs - 1, probeMs, 10)).toBe(0);
    expect(await store.failing.startDueProbes(now + 15 + probeMs, probeMs, 10)).toBe(1);
    expect(await store.deliveries.getDelivery('t', d1.id)).toMatchObject({ status: 'pending', round: 2 });
    expect(await store.failing.startDueProbes(now + 3_600_000, probeMs, 10)).toBe(0);

    const probeAt = now + 2_000;
    const [probe] = (await claimAt(probeAt)) as [ClaimedDelivery];
    expect(probe.id).toBe(d1.id);
    await store.queue.recordAttemptResults('w1', [outcome(probe, probeAt, false)]);
    // Failed: the next one is two periods after it, and the run goes on.
    expect(await store.failing.startDueProbes(probeAt + 5 + 2 * probeMs - 1, probeMs, 10)).toBe(0);
    expect(await store.failing.startDueProbes(probeAt + 5 + 2 * probeMs, probeMs, 10)).toBe(1);

    const backAt = now + 5_000;
    const [secondProbe] = (await claimAt(backAt)) as [ClaimedDelivery];
    await store.queue.recordAttemptResults('w1', [outcome(secondProbe, backAt, true)]);
    expect((await store.failing.statesOfTeam('t')).get('w')).toMatchObject({ failingSince: null });
    expect(await store.deliveries.getDelivery('t', d2.id)).toMatchObject({ status: 'pending', round: 2 });
    // The digest of the second failure is due; "working again" waits for the redelivery.
    const notices = await store.failing.claimNotices('mailer', backAt + 10, 60_000, 10, 0);
    expect(notices.map((n) => [n.kind, n.failures.map((f) => f.deliveryId)])).toEqual([['digest', [d2.id]]]);

    const [redelivery] = (await claimAt(backAt + 10)) as [ClaimedDelivery];
    expect(redelivery.id).toBe(d2.id);
    await store.queue.recordAttemptResults('w1', [outcome(redelivery, backAt + 20, true)]);
    const [recovered] = await store.failing.claimNotices('mailer', backAt + 30, 60_000, 10, 0);
    expect(recovered).toMatchObject({
      kind: 'recovered',
      failingSince: now + 5,
      redelivery: { sentAgain: 2, delivered: 2, failedAgain: 0, notSent: 0 },
    });
  });

  it('sends nothing on its own with autoRedeliver off; the next 2xx ends the run and counts what is left', async () => {
    expect(await store.failing.setAutoRedeliver('t', 'w', false)).toBe(true);
    expect(await store.failing.setAutoRedeliver('other-team', 'w', true)).toBe(false);
    const [d1, d2] = await failBoth();
    expect(await store.failing.startDueProbes(now + 3_600_000, probeMs, 10)).toBe(0);
    expect(await store.failing.listFailing()).toEqual([
      { teamId: 't', webhookId: 'w', url: 'https://w.example.com/', failingSince: now + 5, failedDeliveries: 2 },
    ]);
    expect(await store.failing.countFailing()).toEqual({ redelivering: 0, manual: 1 });

    await store.events.recordEvent({ ...event('e3'), now: now + 100 });
    const [fresh] = (await claimAt(now + 100)) as [ClaimedDelivery];
    await store.queue.recordAttemptResults('w1', [outcome(fresh, now + 100, true)]);
    expect(await store.deliveries.getDelivery('t', d1.id)).toMatchObject({ status: 'failed', round: 1 });
    expect(await store.deliveries.getDelivery('t', d2.id)).toMatchObject({ status: 'failed', round: 1 });
    expect(await store.failing.listFailing()).toEqual([]);
    const recovered = (await store.failing.claimNotices('mailer', now + 200, 60_000, 10, 0)).find(
      (n) => n.kind === 'recovered',
    );
    expect(recovered?.redelivery).toEqual({ sentAgain: 0, delivered: 0, failedAgain: 0, notSent: 2 });
  });
});
