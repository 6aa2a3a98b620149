import { cloneSample } from '@spir-webhooks/shared-types';
import { startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';
import { freePort } from '../testing/freePort';
import { startSmtpServer, type TestSmtpServer } from '../testing/smtpServer';
import { waitFor } from '../testing/waitFor';

let rig: DispatcherRig;
let smtp: TestSmtpServer | undefined;
let smtpPort: number;

beforeAll(async () => {
  smtpPort = await freePort();
  rig = await startDispatcherRig({
    RETRY_INTERVAL_SECONDS: '0.1',
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    MAIL_RETRY_SECONDS: '0.2',
  });
  rig.receiver.answer = () => ({ status: 500 });
});

afterAll(async () => {
  await rig.close();
  await smtp?.close();
});

it('sends exactly one failure email after the dispatcher is killed between the final failure and the send', async () => {
  const apiKey = await rig.addTeam();
  const { receiver } = rig;
  const { deliveries } = await rig.dispatcher.call('POST', '/internal/v1/events', {
    teamId: 't1',
    urlKind: 'template',
    event: cloneSample('form.answered'),
  });
  await waitFor('the final failure', async () =>
    (await rig.dispatcher.call('GET', `/v1/deliveries/${deliveries[0]}`, undefined, apiKey)).status === 'failed'
      ? true
      : undefined,
  );

  // The mail server is down, so nothing can have been sent before the kill.
  await rig.dispatcher.kill();
  smtp = await startSmtpServer(smtpPort);
  await rig.start();
  await waitFor('the email after the restart', () => (smtp!.messages.length > 0 ? true : undefined), 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(smtp.messages).toHaveLength(1);
  expect(smtp.messages[0]!.subject).toBe('【Spir】Webhook Transmission Failed');
  expect(receiver.received).toHaveLength(5);
}, 60_000);
