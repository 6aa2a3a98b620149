import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';

// Searching a team's deliveries by invitee email or event id, on whichever engine the test
// dispatcher runs (npm test: SQLite; npm run test:postgres: PostgreSQL): in any case of the
// letters, exactly the team's own, and untouched by what other teams' events carry.
let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let keyA: string;
let keyB: string;

const ingest = (teamId: string, webhookEventId: string, email: string, extra: object = {}) => {
  const event = cloneSample('event.confirmed');
  const payload = event.payload as unknown as Record<string, unknown>;
  return dispatcher.call('POST', '/internal/v1/events', {
    body: {
      teamId,
      urlKind: 'template',
      event: { ...event, webhookEventId, payload: { ...payload, invitee: { name: 'X', email }, ...extra } },
    },
  });
};

/** `encoded`: q as sent, already percent-encoded (a lone surrogate has no UTF-8 to encode). */
const search = async (token: string, q: string, encoded = encodeURIComponent(q)) => {
  const { status, body } = await dispatcher.call('GET', `/v1/deliveries?q=${encoded}`, { token });
  expect(status).toBe(200);
  return (body.data as { webhookEventId: string }[]).map((row) => row.webhookEventId).sort();
};

beforeAll(async () => {
  const ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  dispatcher = await startTestDispatcher({ WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1' }, { ca: [ca.caCert] });
  keyA = await dispatcher.createTeam('search-a');
  keyB = await dispatcher.createTeam('search-b');
  for (const token of [keyA, keyB]) {
    const url = `https://receiver.test:${receiver.port}/hook`;
    expect(
      (await dispatcher.call('POST', '/v1/webhooks', { token, body: { url, event: 'event.confirmed' } })).status,
    ).toBe(201);
  }
  const accepted = [
    await ingest('search-a', 'a-1', 'Hanako.Sato@Example.JP'),
    await ingest('search-a', 'a-2', 'hanako.sato@example.jp'),
    await ingest('search-a', 'a-3', 'ichiro@example.com'),
    await ingest('search-b', 'b-1', 'HANAKO.SATO@example.jp'),
    // Team B's odd bytes: a NUL and a lone surrogate in the email, a lone surrogate in a form answer.
    await ingest('search-b', 'b-nul', 'hanako.sato\u0000@example.jp'),
    await ingest('search-b', 'b-surrogate', '\ud800hanako.sato@example.jp'),
    await ingest('search-b', 'b-answer', 'jiro@example.com', { answers: [{ question: 'Q', answer: 'x\udc00y' }] }),
  ];
  expect(accepted.map((answer) => answer.status)).toEqual(accepted.map(() => 202));
}, 60_000);

afterAll(async () => {
  await dispatcher?.close();
  await receiver?.close();
});

describe('searching deliveries', () => {
  it('finds the team’s own deliveries by invitee email, in any case, and no other team’s', async () => {
    expect(await search(keyA, 'HANAKO.sato@example.JP')).toEqual(['a-1', 'a-2']);
    expect(await search(keyB, 'hanako.sato@EXAMPLE.jp')).toEqual(['b-1']);
    expect(await search(keyA, 'nobody@example.com')).toEqual([]);
  });

  it('finds a delivery by webhookEventId in its own team only', async () => {
    expect(await search(keyA, 'a-3')).toEqual(['a-3']);
    expect(await search(keyB, 'a-3')).toEqual([]);
  });

  it('leaves every search alone when a team’s events carry a NUL or a lone surrogate', async () => {
    // The odd emails are stored in the events as they came, and simply never match.
    expect(await search(keyB, 'hanako.sato\u0000@example.jp')).toEqual([]);
    expect(await search(keyB, '', '%ED%A0%80hanako.sato%40example.jp')).toEqual([]);
    expect(await search(keyB, 'jiro@example.com')).toEqual(['b-answer']);
    expect(await search(keyB, 'b-nul')).toEqual(['b-nul']);
    expect(await search(keyA, 'ichiro@EXAMPLE.com')).toEqual(['a-3']);
  });
});
