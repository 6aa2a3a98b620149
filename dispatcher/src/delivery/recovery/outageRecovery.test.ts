import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtpServer';
import { startTestDispatcher, type TestDispatcher } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

jest.setTimeout(90_000);

let ca: ThrowawayCa;
let receiver: HttpsReceiver;
const running: { close(): Promise<void> }[] = [];
// Paths whose receiver is down: it answers them 503 until a test brings them back.
const down = new Set<string>();

beforeAll(async () => {
  ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = (request) =>
    down.has(request.path) ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' };
});

afterAll(async () => {
  for (const thing of running.reverse()) await thing.close();
  await receiver.close();
});

async function outageRig(teamId: string, language: 'ja' | 'en', digestSeconds = 4) {
  const smtp = await startSmtpServer();
  running.push(smtp);
  const dispatcher = await startTestDispatcher(
    {
      RETRY_INTERVAL_SECONDS: '0.05',
      MAX_RETRIES: '2',
      REQUEST_TIMEOUT_SECONDS: '2',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_RETRY_SECONDS: '0.2',
      FAILURE_DIGEST_SECONDS: String(digestSeconds),
      RECOVERY_PROBE_SECONDS: '0.5',
      // One delivery in flight at a time, so that the order of arrival is the order of sending.
      DELIVERY_CONCURRENCY_PER_WEBHOOK: '1',
    },
    { ca: [ca.caCert] },
  );
  running.push(dispatcher);
  const apiKey = await dispatcher.createTeam(teamId, { adminEmails: [`admin@${teamId}.example.com`], language });
  const path = `/${teamId}`;
  const created = await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}${path}`, event: 'event.confirmed' },
  });
  expect(created.body.autoRedeliver).toBe(true);
  const webhookId: string = created.body.id;
  const ingest = async (n: number) => {
    const event = cloneSample('event.confirmed');
    event.webhookEventId = `${teamId}-${String(n).padStart(2, '0')}`;
    event.payload.privateTitle = `Booking ${String(n).padStart(2, '0')}`;
    const answer = await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId, urlKind: 'template', event },
    });
    expect(answer.status).toBe(202);
  };
  const webhook = async () =>
    (await dispatcher.call('GET', '/v1/webhooks', { token: apiKey })).body.data.find(
      (w: { id: string }) => w.id === webhookId,
    );
  const failedCount = async () =>
    (await dispatcher.call('GET', `/v1/deliveries?webhookId=${webhookId}&status=failed&limit=100`, { token: apiKey }))
      .body.data.length as number;
  return { smtp, dispatcher, apiKey, path, webhookId, ingest, webhook, failedCount };
}

const eventIdsAfter = (from: number, path: string) =>
  receiver.received
    .slice(from)
    .filter((request) => request.path === path)
    .map((request) => JSON.parse(request.body).webhookEventId as string);

const textOf = (smtp: TestSmtpServer) => smtp.messages.map((mail) => `${mail.subject}\n${mail.text}`).join('\n');

async function metricValue(dispatcher: TestDispatcher, line: string): Promise<string | undefined> {
  const response = await fetch(`${dispatcher.internalUrl}/metrics`, {
    headers: { authorization: `Bearer ${dispatcher.internalApiToken}` },
  });
  const text = await response.text();
  return text.split('\n').find((row) => row.startsWith(line));
}

it('tells of a 12-event outage in at most three emails, then sends all 12 again, oldest first, once each', async () => {
  // Long enough a period that every failure of the outage falls in the first digest, on a busy machine too.
  const rig = await outageRig('outage12', 'en', 10);
  down.add(rig.path);
  for (let n = 0; n < 12; n++) await rig.ingest(n);
  const failing = await waitFor(
    '12 final failures',
    async () => {
      const webhook = await rig.webhook();
      return webhook.health.failedDeliveries === 12 ? webhook : undefined;
    },
    30_000,
  );

  expect(failing.health.failingSince).toEqual(expect.any(String));
  expect(failing.health.failedDeliveries).toBe(12);
  const listed = await rig.dispatcher.call('GET', '/internal/v1/webhooks/failing');
  expect(listed.body.data).toEqual([
    {
      teamId: 'outage12',
      webhookId: rig.webhookId,
      url: `https://receiver.test:${receiver.port}${rig.path}`,
      failingSince: failing.health.failingSince,
      failedDeliveries: 12,
    },
  ]);
  expect(await metricValue(rig.dispatcher, 'spir_webhook_failing_webhooks{auto_redeliver="true"}')).toMatch(/ 1$/);

  // The first failure at once, as today; the other eleven in one digest.
  await waitFor('the failure email and the digest', () => (rig.smtp.messages.length >= 2 ? true : undefined), 30_000);
  expect(rig.smtp.messages.map((mail) => mail.subject)).toEqual([
    '【Spir】Webhook Transmission Failed',
    '【Spir】Webhook Transmission Failed: 11 more events',
  ]);
  const digest = rig.smtp.messages[1]!;
  expect(digest.text).toContain('As soon as it answers 2xx, every delivery that failed since');
  expect(digest.text).toContain('from 0.5 s up to an hour apart');
  expect(digest.text).toContain('further failures are gathered into one email every 10 s');
  expect(digest.text).toContain('last answer: HTTP 503');
  const attached = JSON.parse(digest.attachments[0]!.content.toString('utf8'));
  expect(attached.failures).toHaveLength(11);

  // Back, with no new event: a probe finds it, and the rest follows.
  const from = receiver.received.length;
  down.delete(rig.path);
  const expected = Array.from({ length: 12 }, (_, n) => `outage12-${String(n).padStart(2, '0')}`);
  await waitFor('all 12 sent again', () => (eventIdsAfter(from, rig.path).length >= 12 ? true : undefined), 30_000);
  await waitFor('the working-again email', () => (rig.smtp.messages.length >= 3 ? true : undefined), 20_000);
  expect(eventIdsAfter(from, rig.path)).toEqual(expected);
  const recovered = rig.smtp.messages[2]!;
  expect(recovered.subject).toBe('【Spir】Webhook Working Again');
  expect(recovered.text).toContain(
    'The 12 deliveries that failed meanwhile were sent again, oldest first: 12 delivered, 0 failed again.',
  );

  const all = textOf(rig.smtp);
  for (let n = 0; n < 12; n++) expect(all).toContain(`Booking ${String(n).padStart(2, '0')}`);
  const healthy = await rig.webhook();
  expect(healthy.health.failingSince).toBeNull();
  expect(healthy.health.failedDeliveries).toBe(0);
  expect(await rig.failedCount()).toBe(0);
  expect((await rig.dispatcher.call('GET', '/internal/v1/webhooks/failing')).body.data).toEqual([]);
  expect(await metricValue(rig.dispatcher, 'spir_webhook_failing_webhooks{auto_redeliver="true"}')).toMatch(/ 0$/);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(rig.smtp.messages).toHaveLength(3);
  expect(eventIdsAfter(from, rig.path)).toEqual(expected);
});

it('with autoRedeliver off sends nothing again on its own; the next event shows the recovery', async () => {
  const rig = await outageRig('manual3', 'ja');
  const readKey = (
    await rig.dispatcher.call('POST', '/internal/v1/teams/manual3/api-keys', { body: { scope: 'read' } })
  ).body.apiKey;
  const refused = await rig.dispatcher.call('PATCH', `/v1/webhooks/${rig.webhookId}`, {
    token: readKey,
    body: { autoRedeliver: false },
  });
  expect(refused.status).toBe(403);
  const wrong = await rig.dispatcher.call('PATCH', `/v1/webhooks/${rig.webhookId}`, {
    token: rig.apiKey,
    body: { autoRedeliver: 'no' },
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error.message).toContain('autoRedeliver must be true or false');
  const patched = await rig.dispatcher.call('PATCH', `/v1/webhooks/${rig.webhookId}`, {
    token: rig.apiKey,
    body: { autoRedeliver: false },
  });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ id: rig.webhookId, autoRedeliver: false, health: { failingSince: null } });

  down.add(rig.path);
  for (let n = 0; n < 3; n++) await rig.ingest(n);
  await waitFor('3 final failures', async () => ((await rig.failedCount()) === 3 ? true : undefined), 30_000);
  expect((await rig.webhook()).autoRedeliver).toBe(false);
  expect(await metricValue(rig.dispatcher, 'spir_webhook_failing_webhooks{auto_redeliver="false"}')).toMatch(/ 1$/);

  const from = receiver.received.length;
  down.delete(rig.path);
  // Several probe periods (0.5 s, doubling) pass: with autoRedeliver off, nothing is tried.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  expect(eventIdsAfter(from, rig.path)).toEqual([]);
  expect((await rig.webhook()).health.failingSince).toEqual(expect.any(String));

  await rig.ingest(3);
  await waitFor(
    'the working-again email',
    () => (rig.smtp.messages.some((mail) => mail.subject === '【Spir】Webhook送信が復旧しました') ? true : undefined),
    20_000,
  );
  expect(eventIdsAfter(from, rig.path)).toEqual(['manual3-03']);
  expect(await rig.failedCount()).toBe(3);
  const recovered = rig.smtp.messages.find((mail) => mail.subject === '【Spir】Webhook送信が復旧しました')!;
  expect(recovered.text).toContain('3件の失敗した送信は再送されていません（自動再送がオフです）。');
  expect(recovered.text).toContain('POST /v1/deliveries/resend-failed');
  expect((await rig.webhook()).health.failingSince).toBeNull();
  // The first failure email and a digest of the other two (due 4 s after it), in Japanese.
  await waitFor('the digest', () => (rig.smtp.messages.length >= 3 ? true : undefined), 20_000);
  expect(rig.smtp.messages.map((mail) => mail.subject).sort()).toEqual(
    [
      '【Spir】Webhook Transmission Failed',
      '【Spir】Webhook送信失敗のまとめ（2件）',
      '【Spir】Webhook送信が復旧しました',
    ].sort(),
  );
  const digest = rig.smtp.messages.find((mail) => mail.subject === '【Spir】Webhook送信失敗のまとめ（2件）')!;
  // Whether it goes out before the recovery or after it, it says nothing is sent again on its own.
  expect(digest.text).toContain('自動再送がオフのため');
  expect(digest.text).toContain('Booking 01');
  expect(digest.text).toContain('Booking 02');
});

it('gathers the failed rounds of a bulk resend into the failing state: one email and one digest', async () => {
  // A period long enough that the five resends' failures fall in one, on a busy machine too.
  const rig = await outageRig('bulk5', 'en', 8);
  await rig.dispatcher.call('PATCH', `/v1/webhooks/${rig.webhookId}`, {
    token: rig.apiKey,
    body: { autoRedeliver: false },
  });
  down.add(rig.path);
  for (let n = 0; n < 5; n++) await rig.ingest(n);
  await waitFor('5 final failures', async () => ((await rig.failedCount()) === 5 ? true : undefined), 30_000);
  await waitFor('the failure email and the digest', () => (rig.smtp.messages.length >= 2 ? true : undefined), 20_000);

  const resent = await rig.dispatcher.call('POST', '/v1/deliveries/resend-failed', {
    token: rig.apiKey,
    body: { since: '2020-01-01T00:00:00Z', webhookId: rig.webhookId },
  });
  expect(resent.body.resent).toBe(5);
  await waitFor('5 failed resends', async () => ((await rig.failedCount()) === 5 ? true : undefined), 30_000);
  await waitFor('the digest of the resends', () => (rig.smtp.messages.length >= 3 ? true : undefined), 30_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(rig.smtp.messages.map((mail) => mail.subject)).toEqual([
    '【Spir】Webhook Transmission Failed',
    '【Spir】Webhook Transmission Failed: 4 more events',
    '【Spir】Webhook Transmission Failed: 5 more events',
  ]);
});
