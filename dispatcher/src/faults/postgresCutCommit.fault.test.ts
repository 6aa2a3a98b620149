import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { cloneSample } from '@spir-webhooks/shared-types';
import { startCommitCuttingProxy, type CommitCuttingProxy } from '../testing/commitCuttingProxy';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// The connection to PostgreSQL is lost during a COMMIT, after the server committed: an ingest's
// (the dispatcher answers 503 without knowing the event is stored with its delivery leased to
// itself) or a claim's (the worker never gets the deliveries leased to it). Those deliveries must
// go out at once, not when their lease ends (65 s with the default timeout).
const describeOnPostgres = postgresAvailable() ? describe : describe.skip;

describeOnPostgres('a COMMIT cut after it took effect', () => {
  let postgres: TestPostgres;
  let proxy: CommitCuttingProxy;
  let receiver: HttpsReceiver;
  let dispatcher: TestDispatcher;

  beforeAll(async () => {
    postgres = await startTestPostgres();
    const direct = new URL(await postgres.createDatabase('cut_commit'));
    proxy = await startCommitCuttingProxy({ host: direct.hostname, port: Number(direct.port) });
    direct.port = String(proxy.port);
    const ca = await createThrowawayCa();
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
    dispatcher = await startTestDispatcher(
      { DATABASE_URL: direct.toString(), WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' },
      { ca: [ca.caCert] },
    );
  }, 60_000);

  afterAll(async () => {
    await dispatcher?.close();
    await receiver?.close();
    await proxy?.close();
    postgres?.stop();
  });

  const post = (teamId: string, webhookEventId: string) =>
    dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId, urlKind: 'template', event: { ...cloneSample('form.answered'), webhookEventId } },
    });
  const arrivals = (webhookEventId: string) =>
    receiver.received.filter((request) => request.headers['webhook-id'] === webhookEventId).length;

  const teamWithWebhook = async (teamId: string, path = '/hook') => {
    const apiKey = await dispatcher.createTeam(teamId);
    await dispatcher.call('POST', '/v1/webhooks', {
      token: apiKey,
      body: { url: `https://receiver.test:${receiver.port}${path}`, event: 'form.answered' },
    });
    return apiKey;
  };

  /** The statuses of the event's deliveries once none is pending (recorded a moment after arrival). */
  const finishedStatuses = (apiKey: string, webhookEventId: string) =>
    waitFor(`${webhookEventId}'s delivery recorded`, async () => {
      const { body } = await dispatcher.call('GET', '/v1/deliveries?limit=10', { token: apiKey });
      const found = (body.data as { webhookEventId?: string; status: string }[])
        .filter((delivery) => delivery.webhookEventId === webhookEventId)
        .map((delivery) => delivery.status);
      return found.length === 0 || found.includes('pending') ? undefined : found;
    });

  it("an ingest's: answers 503, and sends the delivery that the commit leased within seconds, once", async () => {
    const apiKey = await teamWithWebhook('cut');
    // A first event opens the webhook's slow start, so that the next one is leased by the commit.
    expect((await post('cut', 'before-cut')).status).toBe(202);
    await waitFor('the first event delivered', () => (arrivals('before-cut') === 1 ? true : undefined));

    proxy.cutCommitOf('cut-commit-event');
    const cutAnswer = await post('cut', 'cut-commit-event');
    expect(proxy.cuts).toBe(1);
    expect(cutAnswer.status).toBe(503);
    // Spir retries on a 503 and finds the event stored.
    expect((await post('cut', 'cut-commit-event')).status).toBe(202);

    // 15 s is far below the 65 s lease the delivery would otherwise wait out.
    await waitFor('the leased delivery sent', () => (arrivals('cut-commit-event') > 0 ? true : undefined), 15_000);
    expect(await finishedStatuses(apiKey, 'cut-commit-event')).toEqual(['succeeded']);
    expect(arrivals('cut-commit-event')).toBe(1);
  }, 60_000);

  it("a claim's: sends the deliveries it leased within seconds, once", async () => {
    const apiKey = await teamWithWebhook('claimcut', '/held');
    let answerHeld = () => {};
    let held = false;
    receiver.answer = (request) => {
      if (held || request.headers['webhook-id'] !== 'claim-held') return { status: 200, body: 'ok' };
      held = true;
      return { status: 200, heldUntil: new Promise<void>((resolve) => (answerHeld = resolve)) };
    };
    // The webhook starts at one attempt in flight: while the first event's is held, the second
    // event's delivery is stored for a claim, and the claim that reads it, inside the claims'
    // lock, is cut.
    expect((await post('claimcut', 'claim-held')).status).toBe(202);
    await waitFor('the first attempt held', () => (arrivals('claim-held') === 1 ? true : undefined));
    proxy.cutCommitOf('pg_advisory_xact_lock', 'claim-cut-event');
    expect((await post('claimcut', 'claim-cut-event')).status).toBe(202);
    answerHeld();
    await waitFor('the claim cut', () => (proxy.cuts === 2 ? true : undefined));
    await waitFor('the claimed delivery sent', () => (arrivals('claim-cut-event') > 0 ? true : undefined), 15_000);
    expect(await finishedStatuses(apiKey, 'claim-cut-event')).toEqual(['succeeded']);
    expect(arrivals('claim-cut-event')).toBe(1);
  }, 60_000);
});
