import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookEventName } from '@spir-webhooks/shared-types';
import { SqliteStore } from './sqliteStore';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spir-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const team = {
  teamId: 't',
  name: 'T',
  adminEmails: ['a@example.com'],
  maxUrlsPerEvent: 1,
  maxSubscriptionsPerEvent: 20,
  language: 'ja' as const,
  now: 1,
};
const webhook = (id: string, url: string, eventName: WebhookEventName, secret: string) => ({
  id,
  teamId: 't',
  url,
  eventName,
  secret,
  createdAt: 1,
  kind: 'endpoint' as const,
  availabilityLinks: undefined,
});

describe('SqliteStore', () => {
  it('refuses a second opener of the same file, naming it and the process that holds it', async () => {
    const path = join(dir, 'd.db');
    const first = new SqliteStore(path);
    expect(readFileSync(`${path}.pid`, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => new SqliteStore(path)).toThrow(`another process (pid ${process.pid}) holds ${path}`);
    await first.close();
    expect(existsSync(`${path}.pid`)).toBe(false);
    const again = new SqliteStore(path);
    await again.ping();
    await again.close();
  }, 15_000);

  it('takes back on opening the leases a killed process left behind', async () => {
    const path = join(dir, 'd.db');
    const store = new SqliteStore(path);
    await store.teams.upsertTeam(team);
    await store.webhooks.createWebhook(webhook('wh_1', 'https://a.example.com/', 'form.answered', 'whsec_x'));
    await store.events.recordEvent({
      teamId: 't',
      webhookEventId: 'e1',
      eventName: 'form.answered',
      urlKind: 'template',
      link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
      body: '{}',
      now: 1,
    });
    const claim = {
      now: 2,
      leaseUntil: 2 + 3600_000,
      limit: 10,
      perWebhookLimit: 10,
      inFlightByWebhook: new Map(),
      limitByWebhook: new Map(),
    };
    expect(await store.queue.claimDueDeliveries({ ...claim, workerId: 'dead' })).toHaveLength(1);
    expect(await store.queue.claimDueDeliveries({ ...claim, workerId: 'other' })).toHaveLength(0);
    await store.close();

    const reopened = new SqliteStore(path);
    expect(await reopened.queue.claimDueDeliveries({ ...claim, workerId: 'new' })).toHaveLength(1);
    await reopened.close();
  });

  it('migrates a new file to the latest schema version and leaves it there on reopening', async () => {
    const path = join(dir, 'd.db');
    await new SqliteStore(path).close();
    const again = new SqliteStore(path);
    expect(await again.queue.queueDepth(0)).toMatchObject({ due: 0, inFlight: 0, oldestDueAt: null });
    await again.close();
  });

  it("claims another webhook's delivery even when a saturated webhook's backlog fills the claim window", async () => {
    const store = new SqliteStore(join(dir, 'd.db'));
    await store.teams.upsertTeam(team);
    await store.webhooks.createWebhook(webhook('wh_hung', 'https://hung.example.com/', 'event.confirmed', 'whsec_x'));
    await store.webhooks.createWebhook(webhook('wh_ok', 'https://ok.example.com/', 'form.answered', 'whsec_y'));
    for (let i = 0; i < 50; i++)
      await store.events.recordEvent({
        teamId: 't',
        webhookEventId: `hung-${i}`,
        eventName: 'event.confirmed',
        urlKind: 'template',
        link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
        body: '{}',
        now: 10 + i,
      });
    await store.events.recordEvent({
      teamId: 't',
      webhookEventId: 'ok-1',
      eventName: 'form.answered',
      urlKind: 'template',
      link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
      body: '{}',
      now: 500,
    });
    // wh_hung already has two in flight, its limit; its 50 older due deliveries fill the window.
    const claimed = await store.queue.claimDueDeliveries({
      workerId: 'w',
      now: 1_000,
      leaseUntil: 1_000 + 60_000,
      limit: 2,
      perWebhookLimit: 2,
      limitByWebhook: new Map(),
      inFlightByWebhook: new Map([['wh_hung', 2]]),
    });
    expect(claimed.map((c) => c.webhookId)).toEqual(['wh_ok']);
    const next = await store.queue.claimDueDeliveries({
      workerId: 'w',
      now: 1_000,
      leaseUntil: 1_000 + 60_000,
      limit: 5,
      perWebhookLimit: 2,
      inFlightByWebhook: new Map(),
      limitByWebhook: new Map(),
    });
    expect(next.map((c) => c.webhookId)).toEqual(['wh_hung', 'wh_hung']);
    await store.close();
  });

  it('keeps claiming the oldest due deliveries first, across webhooks, in the second it skips a full window', async () => {
    const store = new SqliteStore(join(dir, 'd.db'));
    await store.teams.upsertTeam(team);
    await store.webhooks.createWebhook(webhook('wh_hung', 'https://hung.example.com/', 'event.confirmed', 'whsec_x'));
    await store.webhooks.createWebhook(webhook('wh_a', 'https://a.example.com/', 'form.answered', 'whsec_a'));
    await store.webhooks.createWebhook(webhook('wh_b', 'https://b.example.com/', 'event.canceled', 'whsec_b'));
    const ingest = (
      webhookEventId: string,
      eventName: 'event.confirmed' | 'form.answered' | 'event.canceled',
      now: number,
    ) =>
      store.events.recordEvent({
        teamId: 't',
        webhookEventId,
        eventName,
        urlKind: 'template',
        link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
        body: '{}',
        now,
      });
    for (let i = 0; i < 50; i++) await ingest(`hung-${i}`, 'event.confirmed', 10 + i);
    const claim = (now: number, limit: number) =>
      store.queue.claimDueDeliveries({
        workerId: 'w',
        now,
        leaseUntil: now + 60_000,
        limit,
        perWebhookLimit: 2,
        limitByWebhook: new Map(),
        inFlightByWebhook: new Map([['wh_hung', 2]]),
      });
    // This claim finds the window full of wh_hung's backlog; the next ones, within a second, do
    // not read the window at all.
    expect(await claim(1_000, 2)).toEqual([]);
    await ingest('a-1', 'form.answered', 700);
    await ingest('b-1', 'event.canceled', 600);
    await ingest('a-2', 'form.answered', 650);
    expect((await claim(1_100, 1)).map((c) => c.webhookEventId)).toEqual(['b-1']);
    expect((await claim(1_200, 5)).map((c) => c.webhookEventId)).toEqual(['a-2', 'a-1']);
    // And after that second, as before.
    await ingest('b-2', 'event.canceled', 2_000);
    expect((await claim(2_500, 5)).map((c) => c.webhookEventId)).toEqual(['b-2']);
    // A webhook whose limit grew to five (three more than the claim's two) gets five at once.
    for (let i = 0; i < 6; i++) await ingest(`a-more-${i}`, 'form.answered', 2_600 + i);
    const grown = await store.queue.claimDueDeliveries({
      workerId: 'w',
      now: 2_700,
      leaseUntil: 2_700 + 60_000,
      limit: 10,
      perWebhookLimit: 2,
      limitByWebhook: new Map(),
      inFlightByWebhook: new Map([
        ['wh_hung', 2],
        ['wh_a', -3],
      ]),
    });
    expect(grown.map((c) => c.webhookEventId)).toEqual(['a-more-0', 'a-more-1', 'a-more-2', 'a-more-3', 'a-more-4']);
    await store.close();
  });

  it('shares a transaction between events and attempt results, and a result it cannot record fails only itself', async () => {
    const store = new SqliteStore(join(dir, 'd.db'));
    await store.teams.upsertTeam(team);
    await store.webhooks.createWebhook(webhook('wh_1', 'https://a.example.com/', 'form.answered', 'whsec_x'));
    const newEvent = (id: string) => ({
      teamId: 't',
      webhookEventId: id,
      eventName: 'form.answered' as const,
      urlKind: 'template' as const,
      link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
      body: '{}',
      now: 1,
    });
    await store.events.recordEvent(newEvent('e1'));
    const claim = { workerId: 'w', now: 2, leaseUntil: 60_000, limit: 10, perWebhookLimit: 10 };
    const [sent] = await store.queue.claimDueDeliveries({
      ...claim,
      inFlightByWebhook: new Map(),
      limitByWebhook: new Map(),
    });
    const result = (deliveryId: string) => ({
      deliveryId,
      webhookId: 'wh_1',
      round: 1,
      attemptNumber: 1,
      startedAt: 3,
      durationMs: 1,
      requestHeaders: {},
      response: { status: 200, headers: {}, body: 'ok' },
      error: null,
      next: { kind: 'succeeded' as const },
    });
    // Written in the same commit: an event, a result that records, and one for a delivery that
    // does not exist (its attempt breaks a foreign key), which must not take the others down.
    const [recorded, recordedResult, refused] = await Promise.allSettled([
      store.events.recordEvent(newEvent('e2')),
      store.queue.recordAttemptResults('w', [result(sent!.id)]),
      store.queue.recordAttemptResults('w', [result('dlv_missing')]),
    ]);
    expect(recorded).toMatchObject({ status: 'fulfilled', value: { created: true } });
    expect(recordedResult.status).toBe('fulfilled');
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' } });
    expect((await store.deliveries.getDelivery('t', sent!.id))?.status).toBe('succeeded');
    expect(await store.deliveries.listAttempts('dlv_missing')).toEqual([]);
    await store.close();
  });
});
