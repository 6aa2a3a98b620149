import { storeEngines } from '../testing/storeEngines';
import { claim, event, now, result, team, webhook } from '../testing/storeFixtures';
import type { DeliveryHandoff, NewEvent } from './storeQueueTypes';
import type { Store } from './store';

// One store contract, every engine: the same behaviours against SQLite and a real PostgreSQL
// started here (or TEST_DATABASE_URL's server). The queue's half is here; teams, webhooks, reads,
// emails and housekeeping are in storeContractRecords.test.ts.

const { engines, cleanUp } = storeEngines('contract');
afterAll(cleanUp);

describe.each(engines)('the %s store', (engine, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
  });
  afterEach(() => store.close());

  it('keeps registered URLs and subscriptions to their own limits', async () => {
    expect(await store.webhooks.createWebhook(webhook('a'))).toMatchObject({ id: 'a', kind: 'endpoint' });
    await store.webhooks.createWebhook(webhook('b'));
    expect(await store.webhooks.createWebhook(webhook('c'))).toBe('limit_reached');
    expect(await store.webhooks.createWebhook(webhook('s1', { kind: 'subscription' }))).toMatchObject({
      kind: 'subscription',
    });
    expect((await store.webhooks.listWebhooks('t')).map((w) => w.id)).toEqual(['a', 'b', 's1']);
  });

  it('records an event once, with a delivery per matching webhook, and finds it again by id', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('only-l2', { availabilityLinks: ['L2'] }));
    const first = await store.events.recordEvent(event('e1'));
    expect(first).toMatchObject({ created: true, deliveryIds: [expect.stringMatching(/^dlv_/)] });
    const again = await store.events.recordEvent(event('e1'));
    expect(again).toMatchObject({ created: false, deliveryIds: first.deliveryIds });
    expect((await store.events.recordEvent(event('e2', 'L2'))).deliveryIds).toHaveLength(2);
    expect((await store.events.listAvailabilityLinks('t')).map((l) => l.link_id).sort()).toEqual(['L1', 'L2']);
  });

  // Both engines store events that arrive together in one transaction (group commit, batches).
  it('records events that arrive together each once, with its own deliveries', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('only-l2', { availabilityLinks: ['L2'] }));
    const ids = Array.from({ length: 30 }, (_, i) => `together-${i}`);
    const [recorded, repeats] = await Promise.all([
      Promise.all(ids.map((id, i) => store.events.recordEvent(event(id, i % 3 === 0 ? 'L2' : 'L1')))),
      Promise.all([store.events.recordEvent(event('twice')), store.events.recordEvent(event('twice'))]),
    ]);
    recorded.forEach((r, i) => {
      expect(r).toMatchObject({ created: true, event: { webhook_event_id: ids[i] } });
      expect(r.deliveryIds).toHaveLength(i % 3 === 0 ? 2 : 1);
    });
    expect(new Set(recorded.flatMap((r) => r.deliveryIds)).size).toBe(40);
    expect(repeats.map((r) => r.created).sort()).toEqual([false, true]);
    expect(repeats[0].deliveryIds).toEqual(repeats[1].deliveryIds);
    expect(await claim(store, 'w', 100, 100)).toHaveLength(41);
  });

  if (engine === 'postgres') {
    it('refuses an event the database cannot store alone, not the others stored with it', async () => {
      await store.webhooks.createWebhook(webhook('a'));
      const [good, bad, alsoGood] = await Promise.allSettled([
        store.events.recordEvent(event('fine-1')),
        store.events.recordEvent({ ...event('nul'), body: '{"id":"nul\u0000"}' }),
        store.events.recordEvent(event('fine-2')),
      ]);
      expect(good).toMatchObject({ status: 'fulfilled', value: { created: true } });
      expect(bad).toMatchObject({ status: 'rejected' });
      expect(alsoGood).toMatchObject({ status: 'fulfilled', value: { created: true } });
      expect(await claim(store, 'w', 10)).toHaveLength(2);
    });
  }

  it('gives deliveries ids in the order they were created, in the documented form', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(...(await store.events.recordEvent({ ...event(`order-${i}`), now: now + i })).deliveryIds);
    }
    for (const id of ids) expect(id).toMatch(/^dlv_[a-f0-9]{32}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]!.slice(4, 16)).toBe(now.toString(16).padStart(12, '0'));
  });

  it('never gives two claimers the same delivery', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('b'));
    for (let i = 0; i < 6; i++) await store.events.recordEvent(event(`e${i}`));
    const claims = await Promise.all([claim(store, 'w1', 4), claim(store, 'w2', 4), claim(store, 'w3', 4)]);
    const ids = claims.flat().map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(12);
  });

  // SQLite serves one dispatcher, whose worker counts its own attempts in flight; PostgreSQL
  // counts every dispatcher's leases, so the limit holds across them.
  if (engine === 'postgres') {
    it("keeps a webhook to its limit across every dispatcher's claims", async () => {
      await store.webhooks.createWebhook(webhook('a'));
      for (let i = 0; i < 6; i++) await store.events.recordEvent(event(`e${i}`));
      const [one, two] = await Promise.all([claim(store, 'w1', 10, 2), claim(store, 'w2', 10, 2)]);
      expect(one.length + two.length).toBe(2);
      expect(await claim(store, 'w3', 10, 2)).toEqual([]);
    });
  }

  it("claims another webhook's delivery behind a backlog larger than any claim window", async () => {
    await store.webhooks.createWebhook(webhook('hung'));
    await store.webhooks.createWebhook(webhook('ok', { eventName: 'event.canceled' }));
    // 250 due for a webhook limited to one in flight: more than either engine's window holds.
    for (let i = 0; i < 250; i++) await store.events.recordEvent(event(`hung-${i}`));
    const backlogClaim = (workerId: string) =>
      store.queue.claimDueDeliveries({
        workerId,
        now,
        leaseUntil: now + 60_000,
        limit: 10,
        perWebhookLimit: 1,
        // SQLite's worker counts its own attempts; PostgreSQL counts the leases it stored.
        inFlightByWebhook: new Map([['hung', 1]]),
        limitByWebhook: new Map(),
      });
    expect((await claim(store, 'w1', 10, 1)).map((d) => d.webhookId)).toEqual(['hung']);
    // A webhook between the two whose one delivery is finished: claims step over it.
    await store.webhooks.createWebhook(webhook('m-done', { eventName: 'event.confirmed' }));
    await store.events.recordEvent({ ...event('done-1'), eventName: 'event.confirmed' });
    const [done] = await backlogClaim('w1');
    expect(done?.webhookEventId).toBe('done-1');
    await store.queue.recordAttemptResults('w1', [result(done!, { kind: 'succeeded' })]);
    await store.events.recordEvent({ ...event('ok-1'), eventName: 'event.canceled' });
    expect((await backlogClaim('w1')).map((d) => d.webhookEventId)).toEqual(['ok-1']);
  });

  it('claims the oldest due first, across webhooks, in the second after finding the window full', async () => {
    await store.webhooks.createWebhook(webhook('hung'));
    await store.webhooks.createWebhook(webhook('a', { eventName: 'event.canceled' }));
    await store.webhooks.createWebhook(webhook('b', { eventName: 'event.confirmed' }));
    for (let i = 0; i < 250; i++) await store.events.recordEvent(event(`hung-${i}`));
    expect((await claim(store, 'w1', 10, 2)).map((d) => d.webhookId)).toEqual(['hung', 'hung']);
    let claims = 0;
    const claimAt = async (at: number, limit: number) =>
      (
        await store.queue.claimDueDeliveries({
          workerId: 'w1',
          now: at,
          leaseUntil: at + 60_000 + ++claims,
          limit,
          perWebhookLimit: 2,
          inFlightByWebhook: new Map([['hung', 2]]),
          limitByWebhook: new Map(),
        })
      ).map((d) => d.webhookEventId);
    // This claim finds the window full of hung's backlog; claims within the next second go
    // straight to each webhook's own oldest due deliveries.
    expect(await claimAt(now + 1_000, 2)).toEqual([]);
    const ingest = (id: string, eventName: NewEvent['eventName'], at: number) =>
      store.events.recordEvent({ ...event(id), eventName, now: at });
    await ingest('a-1', 'event.canceled', now + 700);
    await ingest('b-1', 'event.confirmed', now + 600);
    await ingest('a-2', 'event.canceled', now + 650);
    expect(await claimAt(now + 1_100, 1)).toEqual(['b-1']);
    expect(await claimAt(now + 1_200, 5)).toEqual(['a-2', 'a-1']);
    expect(await claimAt(now + 1_300, 5)).toEqual([]);
  });

  it('moves a delivery on only for the worker that holds its lease, and writes one failure email', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(event('e1'));
    const [delivery] = await claim(store, 'w1');
    await store.queue.recordAttemptResults('someone-else', [result(delivery!, { kind: 'failed' })]);
    expect((await store.deliveries.getDelivery('t', delivery!.id))?.status).toBe('pending');
    await store.queue.recordAttemptResults('w1', [result(delivery!, { kind: 'failed' })]);
    expect((await store.deliveries.getDelivery('t', delivery!.id))?.status).toBe('failed');
    const [mine, theirs] = await Promise.all([
      store.outbox.claimFailureEmails('s1', now + 60, 60_000, 10),
      store.outbox.claimFailureEmails('s2', now + 60, 60_000, 10),
    ]);
    expect(mine.length + theirs.length).toBe(1);
    expect((await store.deliveries.listAttempts(delivery!.id)).map((a) => a.outcome)).toEqual(['failed', 'failed']);
  });

  it('records every attempt of a batch in order, and moves a delivery on once, by its first', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(event('e1'));
    await store.events.recordEvent(event('e2'));
    const [first, second] = await claim(store, 'w1');
    const retry = { kind: 'retry', nextAttemptAt: now + 600_000 } as const;
    // The first delivery twice in one batch: its first result frees the lease, so the second one
    // is logged but moves nothing (no failure, no email).
    await store.queue.recordAttemptResults('w1', [
      { ...result(first!, retry), durationMs: 1 },
      { ...result(second!, { kind: 'succeeded' }), response: { status: 200, headers: {}, body: 'ok' } },
      { ...result(first!, { kind: 'failed' }), attemptNumber: 2, durationMs: 2 },
    ]);
    expect(await store.deliveries.getDelivery('t', first!.id)).toMatchObject({
      status: 'pending',
      next_attempt_at: now + 600_000,
    });
    expect((await store.deliveries.getDelivery('t', second!.id))?.status).toBe('succeeded');
    expect((await store.deliveries.listAttempts(first!.id)).map((a) => [a.attempt_number, a.duration_ms])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(await store.outbox.claimFailureEmails('s1', now + 60, 60_000, 10)).toEqual([]);
  });

  it('hands fresh deliveries to a local worker leased in the same commit', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    const taken: string[] = [];
    const handoff: DeliveryHandoff = {
      workerId: 'local',
      leaseUntil: (at) => at + 60_000,
      reserve: (webhookId) => (taken.push(webhookId), true),
      release: () => undefined,
    };
    const recorded = await store.events.recordEvent({ ...event('e1'), handoff });
    expect(recorded.leased.map((d) => d.webhookId)).toEqual(['a']);
    expect(await claim(store, 'other')).toEqual([]);
  });

  it('pages deliveries newest first with a cursor, and resends a finished one', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    for (let i = 0; i < 3; i++) await store.events.recordEvent(event(`e${i}`));
    const first = await store.deliveries.listDeliveries({ teamId: 't', limit: 2 });
    const last = first[first.length - 1]!;
    const rest = await store.deliveries.listDeliveries({
      teamId: 't',
      limit: 2,
      after: { afterId: last.id },
    });
    expect([...first, ...rest].map((d) => d.webhook_event_id)).toHaveLength(3);
    const [delivery] = await claim(store, 'w1', 1);
    await store.queue.recordAttemptResults('w1', [result(delivery!, { kind: 'succeeded' })]);
    expect(await store.deliveries.resendDelivery('t', delivery!.id, now + 5)).toMatchObject({
      status: 'pending',
      round: 2,
    });
    expect(await store.deliveries.resendDelivery('t', 'dlv_missing', now)).toBe('not_found');
  });

  it('uses a console link once, and keys by their hash until revoked', async () => {
    await store.sessions.addConsoleLink({ tokenHash: 'h', teamId: 't', returnTo: null, now, expiresAt: now + 1000 });
    const unused = { team_id: 't', team_name: expect.any(String), used_at: null, expires_at: now + 1000 };
    expect(await store.sessions.findConsoleLink('h')).toEqual(unused);
    expect(await store.sessions.findConsoleLink('h')).toEqual(unused);
    expect(await store.sessions.useConsoleLink('h', now)).toMatchObject({ team_id: 't' });
    expect(await store.sessions.findConsoleLink('h')).toEqual({ ...unused, used_at: now });
    expect(await store.sessions.useConsoleLink('h', now)).toBeUndefined();
    expect(await store.sessions.findConsoleLink('unknown')).toBeUndefined();
    await store.teams.addApiKey({
      id: 'k1',
      teamId: 't',
      keyHash: 'kh',
      prefix: 'spk_x',
      label: null,
      scope: 'read',
      createdAt: now,
      expiresAt: null,
    });
    expect(await store.teams.findApiKey('kh')).toMatchObject({ team_id: 't', key_scope: 'read' });
    expect(await store.teams.revokeApiKey('t', 'k1')).toBe(true);
    expect(await store.teams.findApiKey('kh')).toBeUndefined();
  });
});
