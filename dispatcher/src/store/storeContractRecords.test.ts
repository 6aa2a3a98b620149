import { storeEngines } from '../testing/storeEngines';
import { claim, event, now, result, team, webhook } from '../testing/storeFixtures';
import type { Store } from './store';

// The store contract's other half, every engine alike: teams, keys and console sessions; webhooks
// and their secrets; reads of events; failure emails; observed shapes; housekeeping. With
// storeContract.test.ts it calls every method of the Store interface.

const { engines, cleanUp } = storeEngines('records');
afterAll(cleanUp);

const apiKey = (id: string, expiresAt: number | null = null) => ({
  id,
  teamId: 't',
  keyHash: `hash-${id}`,
  prefix: `spk_${id}`,
  label: null,
  scope: 'full' as const,
  createdAt: now,
  expiresAt,
});
const session = (idHash: string, apiKeyId: string | null) => ({
  idHash,
  teamId: 't',
  csrfToken: `csrf-${idHash}`,
  now,
  expiresAt: now + 3_600_000,
  apiKeyId,
});

describe.each(engines)('the %s store', (_engine, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
  });
  afterEach(() => store.close());

  it('answers a ping, lists its peers, and takes a wake-up listener', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.connectedDispatchers()).toEqual([]);
    await expect(store.onWorkDue(() => undefined)).resolves.toBeUndefined();
  });

  it('finds a team by id, and nothing for another', async () => {
    expect(await store.teams.getTeam('t')).toMatchObject({ team_id: 't', name: 'T', language: 'ja' });
    expect(await store.teams.getTeam('nobody')).toBeUndefined();
  });

  it("lists a team's keys and dates a key's last use", async () => {
    await store.teams.addApiKey(apiKey('k1'));
    await store.teams.touchApiKey('k1', now + 5);
    const [listed] = await store.teams.listApiKeys('t');
    expect(listed).toMatchObject({ id: 'k1', prefix: 'spk_k1', last_used_at: now + 5 });
  });

  it("ends a console session with its key, its own deletion, or its team's", async () => {
    await store.teams.addApiKey(apiKey('k1'));
    await store.teams.addApiKey(apiKey('k2', now + 1_000));
    await store.sessions.addConsoleSession(session('by-key', 'k1'));
    await store.sessions.addConsoleSession(session('by-expiring-key', 'k2'));
    await store.sessions.addConsoleSession(session('by-link', null));
    expect(await store.sessions.findConsoleSession('by-key', now)).toMatchObject({
      team_id: 't',
      session_csrf_token: 'csrf-by-key',
    });
    expect(await store.sessions.findConsoleSession('by-expiring-key', now + 1_001)).toBeUndefined();
    await store.teams.revokeApiKey('t', 'k1');
    expect(await store.sessions.findConsoleSession('by-key', now)).toBeUndefined();
    await store.sessions.deleteConsoleSession('by-link');
    expect(await store.sessions.findConsoleSession('by-link', now)).toBeUndefined();
    await store.sessions.addConsoleSession(session('another', null));
    expect(await store.sessions.deleteTeamConsoleSessions('t')).toBeGreaterThanOrEqual(1);
    expect(await store.sessions.findConsoleSession('another', now)).toBeUndefined();
  });

  it('finds, rotates, rewrites and deletes a webhook, canceling its pending deliveries', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    expect(await store.webhooks.getWebhook('t', 'a')).toMatchObject({ id: 'a', secret: 'whsec_a' });
    expect(await store.webhooks.getWebhook('other-team', 'a')).toBeUndefined();
    const rotated = await store.webhooks.rotateWebhookSecret('t', 'a', 'whsec_new', now + 86_400_000);
    expect(rotated).toMatchObject({ secret: 'whsec_new', previous_secret: 'whsec_a' });
    expect(await store.webhooks.rewriteWebhookSecrets((stored) => `sealed:${stored}`)).toBe(1);
    expect(await store.webhooks.getWebhook('t', 'a')).toMatchObject({
      secret: 'sealed:whsec_new',
      previous_secret: 'sealed:whsec_a',
    });
    const { deliveryIds } = await store.events.recordEvent(event('e1'));
    expect(await store.webhooks.deleteWebhook('t', 'a', now + 1)).toBe(true);
    expect((await store.deliveries.getDelivery('t', deliveryIds[0]!))?.status).toBe('canceled');
    expect((await store.webhooks.listWebhooks('t')).map((w) => w.id)).toEqual([]);
  });

  it('reads an event by id, and recent ones newest first by name and link', async () => {
    await store.events.recordEvent(event('e1'));
    const second = await store.events.recordEvent({ ...event('e2', 'L2'), now: now + 1 });
    expect(await store.events.getEventById(second.event.id)).toMatchObject({
      webhook_event_id: 'e2',
      body: '{"id":"e2"}',
    });
    const all = await store.events.listRecentEvents('t', { eventName: 'form.answered', linkId: undefined }, 10);
    expect(all.map((e) => e.webhook_event_id)).toEqual(['e2', 'e1']);
    const l1 = await store.events.listRecentEvents('t', { eventName: undefined, linkId: 'L1' }, 10);
    expect(l1.map((e) => e.webhook_event_id)).toEqual(['e1']);
  });

  it('counts due deliveries, and the oldest one waiting', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(event('e1'));
    expect(await store.queue.queueDepth(now + 10)).toMatchObject({ due: 1, inFlight: 0, oldestDueAt: now });
    await claim(store, 'w1');
    expect(await store.queue.queueDepth(now + 10)).toMatchObject({ due: 0, inFlight: 1, oldestDueAt: null });
  });

  it('keeps a failure email until it is sent, retried later when the mail server refuses', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(event('e1'));
    const [delivery] = await claim(store, 'w1');
    await store.queue.recordAttemptResults('w1', [result(delivery!, { kind: 'failed' })]);
    expect(await store.queue.queueDepth(now)).toMatchObject({ failureEmailsPending: 1, oldestFailureEmailAt: now + 5 });
    const [job] = await store.outbox.claimFailureEmails('s1', now + 60, 60_000, 10);
    await store.outbox.rescheduleFailureEmail('s1', job!.email.id, now + 30_000, 'connection refused');
    expect(await store.outbox.getFailureEmail(delivery!.id, 1)).toMatchObject({
      status: 'pending',
      last_error: 'connection refused',
      next_attempt_at: now + 30_000,
    });
    expect(await store.outbox.claimFailureEmails('s1', now + 1_000, 60_000, 10)).toEqual([]);
    const [again] = await store.outbox.claimFailureEmails('s1', now + 30_000, 60_000, 10);
    await store.outbox.markFailureEmailSent('s1', again!.email.id, '<m1@example.com>', now + 30_001);
    expect(await store.outbox.getFailureEmail(delivery!.id, 1)).toMatchObject({
      status: 'sent',
      message_id: '<m1@example.com>',
    });
    expect(await store.queue.queueDepth(now)).toMatchObject({ failureEmailsPending: 0 });
  });

  it('merges observed paths (types OR-ed, counts added) and keeps at most the bound per event name', async () => {
    const path = (name: string, typeBits: number, at: number) => ({
      eventName: 'event.canceled',
      path: name,
      typeBits,
      count: 1,
      firstSeen: at,
      lastSeen: at,
    });
    const limits = { maxEventNames: 10, maxPathsPerEvent: 2, namesAlwaysLearned: [] };
    await store.shapes.mergeObservedPaths([path('payload.reason', 8, now), path('payload.x', 1, now)], limits);
    await store.shapes.mergeObservedPaths([path('payload.reason', 4, now + 5), path('payload.y', 1, now)], limits);
    expect(await store.shapes.listObservedPaths()).toEqual([
      { ...path('payload.reason', 12, now), count: 2, lastSeen: now + 5 },
      path('payload.x', 1, now),
    ]);
  });

  it('keeps at most the bound of event names across merges, but for the names always learned', async () => {
    const path = (eventName: string) => ({
      eventName,
      path: 'payload',
      typeBits: 32,
      count: 1,
      firstSeen: now,
      lastSeen: now,
    });
    const limits = { maxEventNames: 2, maxPathsPerEvent: 10, namesAlwaysLearned: ['event.canceled'] };
    await store.shapes.mergeObservedPaths([path('a.one'), path('a.two')], limits);
    await store.shapes.mergeObservedPaths([path('a.three'), path('event.canceled'), path('a.one')], limits);
    const held = await store.shapes.listObservedPaths();
    expect(held.map((row) => row.eventName)).toEqual(['a.one', 'a.two', 'event.canceled']);
    expect(held[0]!.count).toBe(2);
  });

  it('purges finished deliveries, their attempts and events, and webhooks deleted before the cutoff', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(event('e1'));
    const [delivery] = await claim(store, 'w1');
    await store.queue.recordAttemptResults('w1', [result(delivery!, { kind: 'succeeded' })]);
    await store.webhooks.deleteWebhook('t', 'a', now + 1);
    expect(await store.retention.purgeFinishedBefore(now + 1_000)).toEqual({
      deliveries: 1,
      attempts: 1,
      events: 1,
      deletedWebhooks: 1,
    });
    expect(await store.deliveries.getDelivery('t', delivery!.id)).toBeUndefined();
  });

  it('keeps an event while a delivery of it is still pending, and purges it with its last one', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('b'));
    await store.events.recordEvent(event('e1'));
    const claimed = await claim(store, 'w1');
    expect(claimed).toHaveLength(2);
    await store.queue.recordAttemptResults('w1', [
      result(claimed[0]!, { kind: 'succeeded' }),
      result(claimed[1]!, { kind: 'retry', nextAttemptAt: now }),
    ]);
    const purge = () => store.retention.purgeFinishedBefore(now + 1_000);
    expect(await purge()).toEqual({ deliveries: 1, attempts: 1, events: 0, deletedWebhooks: 0 });
    expect((await store.events.listRecentEvents('t', { eventName: undefined, linkId: undefined }, 10)).length).toBe(1);
    const [again] = await claim(store, 'w1');
    await store.queue.recordAttemptResults('w1', [result(again!, { kind: 'succeeded' })]);
    expect(await purge()).toEqual({ deliveries: 1, attempts: 2, events: 1, deletedWebhooks: 0 });
    expect(await store.events.listRecentEvents('t', { eventName: undefined, linkId: undefined }, 10)).toEqual([]);
  });
});
