import { storeEngines } from '../testing/storeEngines';
import { claim, event, now, team, webhook } from '../testing/storeFixtures';
import type { ClaimOptions, DeliveryHandoff } from './storeQueueTypes';
import type { Store } from './store';

// A webhook's room in a claim, on every engine (store/rules/claimPlan.ts): its limit less this
// worker's attempts in flight less the leases other workers hold.

const { engines, cleanUp } = storeEngines('claims');
afterAll(cleanUp);

describe.each(engines)('the %s store', (_engine, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('b', { eventName: 'event.canceled' }));
  });
  afterEach(() => store.close());

  const ingest = async (count: number, eventName: 'form.answered' | 'event.canceled' = 'form.answered') => {
    for (let i = 0; i < count; i++) await store.events.recordEvent({ ...event(`${eventName}-${i}`), eventName });
  };
  // Sorted: the events share one receipt time, which orders them differently on each engine.
  const claimAs = async (workerId: string, perWebhookLimit: number, inFlight: [string, number][] = []) =>
    (
      await store.queue.claimDueDeliveries({
        workerId,
        now,
        leaseUntil: now + 60_000,
        limit: 10,
        perWebhookLimit,
        inFlightByWebhook: new Map(inFlight),
        limitByWebhook: new Map(),
      } satisfies ClaimOptions)
    )
      .map((d) => d.webhookId)
      .sort();

  it("counts this worker's own attempts in flight, a test send's too, against its webhook's room", async () => {
    await ingest(3);
    await ingest(1, 'event.canceled');
    // One attempt to a in flight that holds no lease (a test send): one slot of two left.
    expect(await claimAs('w1', 2, [['a', 1]])).toEqual(['a', 'b']);
  });

  it("counts other workers' leases, taken by a claim or by an ingest's handoff, against the room", async () => {
    await ingest(4);
    expect(await claimAs('w1', 2)).toEqual(['a', 'a']);
    expect(await claimAs('w2', 3)).toEqual(['a']);
    const handoff: DeliveryHandoff = {
      workerId: 'local',
      leaseUntil: (at) => at + 60_000,
      reserve: () => true,
      release: () => undefined,
    };
    await store.events.recordEvent({ ...event('handed'), handoff });
    await ingest(2, 'event.canceled');
    await store.events.recordEvent({ ...event('handed-b'), eventName: 'event.canceled', handoff });
    // a: three leased by w1 and w2, one by the handoff; b: one by the handoff.
    expect(await claimAs('w3', 5)).toEqual(['a', 'b', 'b']);
    expect(await claimAs('w4', 3)).toEqual([]);
  });

  it('does not count its own lease of an attempt that ended, whose result is still on its way', async () => {
    await ingest(3);
    expect(await claimAs('w1', 1)).toEqual(['a']);
    // The attempt ended (the worker counts nothing in flight), its result is not recorded yet.
    expect(await claimAs('w1', 1)).toEqual(['a']);
    expect(await claimAs('w2', 3)).toEqual(['a']);
  });

  it('gives a webhook whose slow-start limit grew the room of that limit, as the worker counts it', async () => {
    await ingest(7);
    // WebhookLimits.inFlightAsClaimed: a limit of five against the claim's one shows as -4.
    expect(await claimAs('w1', 1, [['a', -4]])).toEqual(['a', 'a', 'a', 'a', 'a']);
    expect(await claim(store, 'w2', 10, 6)).toHaveLength(1);
  });
});
