import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { freePort } from '../testing/freePort';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtpServer';
import { waitFor } from '../testing/waitFor';

const token = 'internal-token-for-mail-crash-test';
let dataDir: string;
let receiver: HttpsReceiver;
let smtp: TestSmtpServer | undefined;
let dispatcher: DispatcherProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'spir-mail-crash-'));
  const ca = await createThrowawayCa();
  writeFileSync(join(dataDir, 'ca.pem'), ca.caCert);
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = () => ({ status: 500 });
});

afterAll(async () => {
  await dispatcher?.kill();
  await smtp?.close();
  await receiver.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('sends exactly one failure email after the dispatcher is killed between the final failure and the send', async () => {
  const [port, smtpPort] = [await freePort(), await freePort()];
  const env = {
    DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'dispatcher.db')}`, INTERNAL_API_TOKEN: token,
    WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1', NODE_EXTRA_CA_CERTS: join(dataDir, 'ca.pem'),
    REQUEST_TIMEOUT_SECONDS: '2', RETRY_INTERVAL_SECONDS: '0.1', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, MAIL_RETRY_SECONDS: '0.2',
  };
  dispatcher = await spawnDispatcher(env, port);
  await dispatcher.call('PUT', '/internal/v1/teams/t1', { name: 'T1', adminEmails: ['admin@t1.example.com'] });
  const { apiKey } = await dispatcher.call('POST', '/internal/v1/teams/t1/api-keys');
  await dispatcher.call('POST', '/v1/webhooks', { url: `https://receiver.test:${receiver.port}/hook`, event: 'form.answered' }, apiKey);
  const { deliveries } = await dispatcher.call('POST', '/internal/v1/events', { teamId: 't1', urlKind: 'template', event: cloneSample('form.answered') });
  await waitFor('the final failure', async () => ((await dispatcher!.call('GET', `/v1/deliveries/${deliveries[0]}`, undefined, apiKey)).status === 'failed' ? true : undefined));

  // The mail server is down, so nothing can have been sent before the kill.
  await dispatcher.kill();
  smtp = await startSmtpServer(smtpPort);
  dispatcher = await spawnDispatcher(env, port);
  await waitFor('the email after the restart', () => (smtp!.messages.length > 0 ? true : undefined), 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(smtp.messages).toHaveLength(1);
  expect(smtp.messages[0]!.subject).toBe('【Spir】Webhook Transmission Failed');
  expect(receiver.received).toHaveLength(5);
}, 60_000);
