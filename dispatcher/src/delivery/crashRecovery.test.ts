import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { freePort } from '../testing/freePort';
import { spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { waitFor } from '../testing/waitFor';

const token = 'internal-token-for-crash-test';
const eventCount = 300;
let dataDir: string;
let receiver: HttpsReceiver;
let dispatcher: DispatcherProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spir-crash-'));
  const ca = await createThrowawayCa();
  writeFileSync(join(dataDir, 'ca.pem'), ca.caCert);
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = () => ({ status: 200, delayMs: 100 });
});

afterAll(async () => {
  await dispatcher?.kill();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('delivers every event after the dispatcher is killed with SIGKILL in the middle of a batch', async () => {
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'dispatcher.db')}`, INTERNAL_API_TOKEN: token,
    WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1', NODE_EXTRA_CA_CERTS: join(dataDir, 'ca.pem'),
    REQUEST_TIMEOUT_SECONDS: '1', RETRY_INTERVAL_SECONDS: '0.2', DELIVERY_CONCURRENCY_PER_WEBHOOK: '4',
  };
  dispatcher = await spawnDispatcher(env, port);
  await dispatcher.call('PUT', '/internal/v1/teams/t1', { name: 'T1', adminEmails: ['a@example.com'] });
  const { apiKey } = await dispatcher.call('POST', '/internal/v1/teams/t1/api-keys');
  expect(await dispatcher.call('POST', '/v1/webhooks', { url: `https://receiver.test:${receiver.port}/hook`, event: 'form.answered' }, apiKey)).toHaveProperty('secret');

  const ids = Array.from({ length: eventCount }, (_, i) => `crash-${i}`);
  const answers = await Promise.all(ids.map((id) =>
    dispatcher!.call('POST', '/internal/v1/events', { teamId: 't1', urlKind: 'template', event: { ...cloneSample('form.answered'), webhookEventId: id } })));
  expect(answers.map((a) => a.webhookEventId)).toEqual(ids);
  // Killed while four requests are being answered (the receiver takes 100 ms each).
  await receiver.waitForRequests(receiver.received.length + 10);
  await dispatcher.kill();
  const receivedBeforeKill = new Set(receiver.received.map((r) => r.headers['webhook-id'])).size;
  expect(receivedBeforeKill).toBeLessThan(eventCount);

  const restartedAt = Date.now();
  dispatcher = await spawnDispatcher(env, port);
  const delivered = await waitFor('every event to arrive after the restart', () => {
    const seen = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
    return seen.size === eventCount ? seen : undefined;
  }, 60_000);
  expect([...delivered].sort()).toEqual([...ids].sort());
  // At least once: a request cut off by the kill may arrive twice, always with the same webhook-id and body.
  for (const request of receiver.received) {
    const id = String(request.headers['webhook-id']);
    expect(JSON.parse(request.body).webhookEventId).toBe(id);
  }
  console.log(`crash test: ${receivedBeforeKill} of ${eventCount} events received before SIGKILL; all ${eventCount} received ${Date.now() - restartedAt} ms after the restart; ${receiver.received.length - eventCount} sent twice (same webhook-id)`);
}, 90_000);
