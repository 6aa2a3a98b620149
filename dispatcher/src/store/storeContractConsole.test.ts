import { storeEngines } from '../testing/storeEngines';
import { claim, event, now, result, team, webhook } from '../testing/storeFixtures';
import type { Store } from './store';
import { testSendRecordOf } from './rules/testSend';

// What the console reads, every engine alike: deliveries found by event id or invitee email,
// each webhook's health over a window, and test sends kept beside deliveries.

const { engines, cleanUp } = storeEngines('console');
afterAll(cleanUp);

const withInvitee = (id: string, email: string) => ({
  ...event(id),
  body: JSON.stringify({ webhookEventName: 'form.answered', webhookEventId: id, payload: { invitee: { email } } }),
});

describe.each(engines)('the %s store', (_engine, open) => {
  let store: Store;
  beforeEach(async () => {
    store = await open();
    await store.teams.upsertTeam({ teamId: 't', ...team });
  });
  afterEach(() => store.close());

  it("finds deliveries by webhookEventId, or by the invitee's email in any case", async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.events.recordEvent(withInvitee('e1', 'Hanako@Example.jp'));
    await store.events.recordEvent(withInvitee('e2', 'ichiro@example.com'));
    await store.events.recordEvent(event('e3'));
    const ids = async (filter: object) =>
      (await store.deliveries.listDeliveries({ teamId: 't', limit: 10, ...filter })).map((row) => row.webhook_event_id);
    expect(await ids({ webhookEventId: 'e2' })).toEqual(['e2']);
    expect(await ids({ inviteeEmail: 'hanako@example.JP' })).toEqual(['e1']);
    expect(await ids({ inviteeEmail: 'nobody@example.com' })).toEqual([]);
    expect((await ids({})).sort()).toEqual(['e1', 'e2', 'e3']);
    const [listed] = await store.deliveries.listDeliveries({ teamId: 't', limit: 1, webhookEventId: 'e1' });
    expect(JSON.parse(listed!.event_body)).toMatchObject({ payload: { invitee: { email: 'Hanako@Example.jp' } } });
  });

  it('sums each webhook’s attempts in the window: last one, successes, failures since the last success', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    await store.webhooks.createWebhook(webhook('quiet', { eventName: 'event.confirmed' }));
    for (let i = 0; i < 4; i++) await store.events.recordEvent(event(`e${i}`));
    const deliveries = await claim(store, 'w1', 10);
    expect(deliveries.map((d) => d.webhookId)).toEqual(['a', 'a', 'a', 'a']);
    // Oldest to newest: a failure, a success, then two failures (one with no answer at all).
    const outcomes = ['failed', 'succeeded', 'failed', 'failed'] as const;
    await store.queue.recordAttemptResults(
      'w1',
      deliveries.map((delivery, i) => ({
        ...result(delivery, { kind: outcomes[i]! }),
        startedAt: now + i * 1_000,
        ...(i === 3 ? { response: null, error: { code: 'timeout', message: 'no answer' } } : {}),
      })),
    );
    const rows = await store.deliveries.webhookHealth('t', now - 60_000);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect({
      webhook: row!.webhook_id,
      attempts: Number(row!.attempts),
      succeeded: Number(row!.succeeded),
      lastAt: Number(row!.last_at),
      consecutiveFailures: Number(row!.consecutive_failures),
      last: [row!.last_outcome, row!.last_status, row!.last_error_code],
    }).toEqual({
      webhook: 'a',
      attempts: 4,
      succeeded: 1,
      lastAt: now + 3_000,
      consecutiveFailures: 2,
      last: ['failed', null, 'timeout'],
    });
    // A window that starts after every attempt sees none.
    expect(await store.deliveries.webhookHealth('t', now + 10_000)).toEqual([]);
    expect(await store.deliveries.webhookHealth('other-team', now - 60_000)).toEqual([]);
  });

  it('keeps a failed test send as a finished test delivery with one attempt, in the health, and nothing to send or email', async () => {
    await store.webhooks.createWebhook(webhook('a'));
    const send = testSendRecordOf(
      {
        teamId: 't',
        webhookId: 'a',
        url: 'https://a.example.com/',
        eventName: 'form.answered',
        webhookEventId: 'test_1',
        body: JSON.stringify({ webhookEventId: 'test_1', payload: { invitee: { email: 'Ichiro@example.com' } } }),
        now,
      },
      {
        succeeded: false,
        startedAt: now,
        durationMs: 7,
        requestHeaders: {},
        response: null,
        error: { code: 'timeout', message: 'no answer' },
      },
    );
    await store.deliveries.recordTestSend(send);
    const [listed] = await store.deliveries.listDeliveries({
      teamId: 't',
      limit: 10,
      inviteeEmail: 'ichiro@example.com',
    });
    expect(listed).toMatchObject({ id: send.attempt.deliveryId, status: 'failed', event_url_kind: 'test', round: 1 });
    const attempts = await store.deliveries.listAttempts(send.attempt.deliveryId);
    expect(attempts.map((a) => [a.outcome, a.error_code])).toEqual([['failed', 'timeout']]);
    const [health] = await store.deliveries.webhookHealth('t', now - 60_000);
    expect([Number(health!.attempts), Number(health!.consecutive_failures), health!.last_error_code]).toEqual([
      1,
      1,
      'timeout',
    ]);
    expect(await claim(store, 'w1')).toEqual([]);
    expect(await store.outbox.claimFailureEmails('w1', now + 60_000, 60_000, 10)).toEqual([]);
    expect(await store.events.listRecentEvents('t', { eventName: undefined, linkId: undefined }, 10)).toEqual([]);
  });
});
