import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { answerBudgetChars } from '../../store/answerStorage';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

// A failing endpoint's error page, resent round after round: what one delivery keeps of its
// answers stays bounded however many attempts and rounds it has.
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
/** The page the receiver answers 500 with in this round (64 KiB, distinct per round). */
let page = 'A';

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  // Every answer differs in its Date-like headers, as real ones do: those do not make answers differ.
  receiver.answer = (_request, index) => ({
    status: 500,
    body: page.repeat(64 * 1024),
    headers: { 'content-type': 'text/html', 'x-request-id': `req-${index}` },
  });
  dispatcher = await startTestDispatcher(
    { MAX_RETRIES: '4', RETRY_INTERVAL_SECONDS: '0.05', WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' },
    { ca: [ca.caCert] },
  );
});

afterAll(async () => {
  await dispatcher.close();
  await receiver.close();
});

interface AttemptJson {
  round: number;
  attempt: number;
  response: { status: number; body: string; kept: string; sameAs: { round: number; attempt: number } | null };
}

it('keeps an identical answer once, refers to it from the attempts that repeat it, and trims answers past the budget', async () => {
  const apiKey = await dispatcher.createTeam('answers');
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/hook`, event: 'form.answered' },
  });
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId: 'answers', urlKind: 'template', event: { ...cloneSample('form.answered'), webhookEventId: 'big' } },
  });
  const deliveryId = ingested.body.deliveries[0] as string;
  const read = async () => (await dispatcher.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey })).body;
  const failed = (round: number) =>
    waitFor(
      `round ${round} to fail`,
      async () => {
        const body = await read();
        return body.status === 'failed' && body.round === round ? (body.attempts as AttemptJson[]) : undefined;
      },
      60_000,
    );

  // Round 1: five attempts, one page. Rounds 2 to 4: a new page each (the resend rule of once a
  // minute is the route's; the store's resend is what the route and the bulk resend call).
  await failed(1);
  for (const [round, next] of [
    [2, 'B'],
    [3, 'C'],
    [4, 'D'],
  ] as const) {
    page = next;
    await dispatcher.store.deliveries.resendDelivery('answers', deliveryId, Date.now());
    dispatcher.worker.wake();
    await failed(round);
  }
  const attempts = await failed(4);
  expect(attempts).toHaveLength(20);
  const kept = attempts.map((a) => [a.round, a.attempt, a.response.kept, a.response.sameAs, a.response.body.length]);
  const same = (round: number) => ({ round, attempt: 1 });
  expect(kept).toEqual([
    [1, 1, 'whole', null, 64 * 1024],
    ...[2, 3, 4, 5].map((n) => [1, n, 'same', same(1), 0]),
    [2, 1, 'whole', null, 64 * 1024],
    ...[2, 3, 4, 5].map((n) => [2, n, 'same', same(2), 0]),
    [3, 1, 'whole', null, 64 * 1024],
    ...[2, 3, 4, 5].map((n) => [3, n, 'same', same(3), 0]),
    // Three pages and their headers are the budget: the fourth keeps its status only.
    ...[1, 2, 3, 4, 5].map((n) => [4, n, 'trimmed', null, 0]),
  ]);
  expect(attempts.every((a) => a.response.status === 500)).toBe(true);
  const stored = attempts.reduce((sum, a) => sum + a.response.body.length, 0);
  expect(stored).toBeLessThanOrEqual(answerBudgetChars);
}, 240_000);
