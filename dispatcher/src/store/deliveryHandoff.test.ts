import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite/sqliteStore';
import type { DeliveryHandoff } from './storeQueueTypes';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spir-handoff-'));
  store = new SqliteStore(join(dir, 'd.db'));
  await store.teams.upsertTeam({
    teamId: 't',
    name: 'T',
    adminEmails: ['a@example.com'],
    maxUrlsPerEvent: 3,
    maxSubscriptionsPerEvent: 20,
    language: 'ja',
    now: 1,
  });
  await store.webhooks.createWebhook({
    id: 'wh_a',
    teamId: 't',
    url: 'https://a.example.com/',
    eventName: 'form.answered',
    secret: 'whsec_a',
    createdAt: 1,
    kind: 'endpoint',
    availabilityLinks: undefined,
  });
  await store.webhooks.createWebhook({
    id: 'wh_b',
    teamId: 't',
    url: 'https://b.example.com/',
    eventName: 'form.answered',
    secret: 'whsec_b',
    createdAt: 1,
    kind: 'endpoint',
    availabilityLinks: undefined,
  });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A handoff with room for the listed webhooks only; it counts what is taken and given back. */
function handoffWithRoomFor(webhookIds: string[], options: { failOn?: string } = {}) {
  const taken: string[] = [];
  const released: string[] = [];
  const handoff: DeliveryHandoff = {
    workerId: 'local',
    leaseUntil: (now) => now + 60_000,
    reserve(webhookId) {
      if (webhookId === options.failOn) throw new Error(`reserve failed for ${webhookId}`);
      if (!webhookIds.includes(webhookId)) return false;
      taken.push(webhookId);
      return true;
    },
    release: (webhookId) => released.push(webhookId),
  };
  return { handoff, taken, released };
}

const event = {
  teamId: 't',
  webhookEventId: 'e1',
  eventName: 'form.answered' as const,
  urlKind: 'template' as const,
  link: { id: 'link1', originalUrl: 'https://app.spirinc.com/t/t/as/link1/confirm', privateTitle: 'T' },
  body: '{"x":1}',
  now: 100,
};
const claim = {
  workerId: 'claimer',
  now: 200,
  leaseUntil: 200 + 60_000,
  limit: 10,
  perWebhookLimit: 10,
  inFlightByWebhook: new Map(),
  limitByWebhook: new Map(),
};

describe('deliveries handed to a local worker at ingest', () => {
  it('leases the deliveries the worker has room for and leaves the others to claims', async () => {
    const { handoff, taken } = handoffWithRoomFor(['wh_a']);
    const recorded = await store.events.recordEvent({ ...event, handoff });
    expect(taken).toEqual(['wh_a']);
    expect(recorded.deliveryIds).toHaveLength(2);
    expect(recorded.leased).toEqual([
      expect.objectContaining({
        webhookId: 'wh_a',
        url: 'https://a.example.com/',
        webhookEventId: 'e1',
        eventName: 'form.answered',
        body: '{"x":1}',
        secrets: ['whsec_a'],
        round: 1,
        attemptNumber: 1,
      }),
    ]);
    // The leased one is the local worker's; a claim only finds the other.
    expect((await store.queue.claimDueDeliveries(claim)).map((c) => c.webhookId)).toEqual(['wh_b']);
  });

  it("records the handed-over attempt under the local worker's lease", async () => {
    const { handoff } = handoffWithRoomFor(['wh_a', 'wh_b']);
    const { leased } = await store.events.recordEvent({ ...event, handoff });
    const delivery = leased[0]!;
    await store.queue.recordAttemptResults('local', [
      {
        deliveryId: delivery.id,
        webhookId: delivery.webhookId,
        round: 1,
        attemptNumber: 1,
        startedAt: 150,
        durationMs: 5,
        requestHeaders: {},
        response: { status: 200, headers: {}, body: 'ok' },
        error: null,
        next: { kind: 'succeeded' },
      },
    ]);
    expect((await store.deliveries.getDelivery('t', delivery.id))?.status).toBe('succeeded');
  });

  it('gives back every slot it took when the commit fails, and stores nothing', async () => {
    const { handoff, taken, released } = handoffWithRoomFor(['wh_a', 'wh_b'], { failOn: 'wh_b' });
    await expect(store.events.recordEvent({ ...event, handoff })).rejects.toThrow('reserve failed for wh_b');
    expect(taken.length).toBeGreaterThan(0);
    expect(released.sort()).toEqual(taken.sort());
    expect(await store.queue.claimDueDeliveries(claim)).toEqual([]);
  });

  it('hands over nothing for an event it already has', async () => {
    await store.events.recordEvent(event);
    const { handoff, taken } = handoffWithRoomFor(['wh_a', 'wh_b']);
    const again = await store.events.recordEvent({ ...event, handoff });
    expect(again.created).toBe(false);
    expect(again.leased).toEqual([]);
    expect(taken).toEqual([]);
  });
});
