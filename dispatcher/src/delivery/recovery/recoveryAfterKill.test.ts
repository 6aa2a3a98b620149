import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDispatcherRig, postEvent, type DispatcherRig } from '../../testing/dispatcherRig';
import { startSmtpServer, type TestSmtpServer } from '../../testing/smtpServer';
import { testDatabaseUrl } from '../../testing/testDispatcher';
import { waitFor } from '../../testing/waitFor';

jest.setTimeout(120_000);

let rig: DispatcherRig;
let smtp: TestSmtpServer;
let down = true;
const eventIds = Array.from({ length: 12 }, (_, n) => `killed-${String(n).padStart(2, '0')}`);

beforeAll(async () => {
  smtp = await startSmtpServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'spir-recovery-kill-'));
  rig = await startDispatcherRig(
    {
      // The store of `npm run test:postgres` when it runs, a SQLite file otherwise.
      DATABASE_URL: await testDatabaseUrl(dataDir),
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      RETRY_INTERVAL_SECONDS: '0.05',
      MAX_RETRIES: '1',
      FAILURE_DIGEST_SECONDS: '30',
      RECOVERY_PROBE_SECONDS: '0.5',
      DELIVERY_CONCURRENCY_PER_WEBHOOK: '1',
    },
    dataDir,
  );
  // Slow once back, so that the dispatcher is killed with redeliveries still to send.
  rig.receiver.answer = () => (down ? { status: 503, body: 'down' } : { status: 200, body: 'ok', delayMs: 150 });
});

afterAll(async () => {
  await rig.close();
  await smtp.close();
});

it('resumes a recovery after SIGKILL: every failed delivery arrives, none recorded delivered is sent again', async () => {
  const apiKey = await rig.addTeam();
  for (const id of eventIds) expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody(id))).toBe(202);
  const failedCount = async () =>
    (await rig.dispatcher.call('GET', '/v1/deliveries?status=failed&limit=100', undefined, apiKey)).data.length;
  await waitFor('12 final failures', async () => ((await failedCount()) === 12 ? true : undefined), 30_000);

  const from = rig.receiver.received.length;
  down = false;
  const arrivedAgain = () => rig.receiver.received.slice(from).map((r) => JSON.parse(r.body).webhookEventId as string);
  await waitFor('a third of the redeliveries', () => (arrivedAgain().length >= 4 ? true : undefined), 30_000);
  await rig.dispatcher.kill();
  const beforeKill = arrivedAgain();
  expect(beforeKill.length).toBeLessThan(12);

  await rig.start();
  await waitFor(
    'every event delivered again',
    () => (eventIds.every((id) => arrivedAgain().includes(id)) ? true : undefined),
    60_000,
  );
  await waitFor(
    'the working-again email',
    () => (smtp.messages.some((mail) => mail.subject === '【Spir】Webhook送信が復旧しました') ? true : undefined),
    30_000,
  );

  // Nothing lost: each event arrived again, in order. Nothing recorded as delivered went again: each
  // delivery has exactly one successful attempt, and an event arrived twice only if it was in
  // flight at the kill (its success never recorded), at most one with one attempt in flight.
  const deliveries = (await rig.dispatcher.call('GET', '/v1/deliveries?limit=100', undefined, apiKey)).data;
  expect(deliveries).toHaveLength(12);
  for (const delivery of deliveries) {
    expect(delivery.status).toBe('succeeded');
    const detail = await rig.dispatcher.call('GET', `/v1/deliveries/${delivery.id}`, undefined, apiKey);
    expect(detail.attempts.filter((a: { outcome: string }) => a.outcome === 'succeeded')).toHaveLength(1);
  }
  const arrived = arrivedAgain();
  const twice = eventIds.filter((id) => arrived.filter((seen) => seen === id).length > 1);
  expect(twice.length).toBeLessThanOrEqual(1);
  expect([...new Set(arrived)]).toEqual(eventIds);
  expect(smtp.messages.filter((mail) => mail.subject === '【Spir】Webhook送信が復旧しました')).toHaveLength(1);
  const failing = await rig.dispatcher.call('GET', '/internal/v1/webhooks/failing');
  expect(failing.data).toEqual([]);
});
