import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa, type ThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { freePort } from '../testing/freePort';
import { startSmtpServer } from '../testing/smtpServer';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

let ca: ThrowawayCa;
let receiver: HttpsReceiver;
const running: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  ca = await createThrowawayCa();
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = () => ({ status: 503, body: 'down for maintenance' });
});

afterAll(async () => {
  for (const thing of running.reverse()) await thing.close();
  await receiver.close();
});

async function dispatcherMailingTo(smtpPort: number): Promise<TestDispatcher> {
  const dispatcher = await startTestDispatcher(
    {
      RETRY_INTERVAL_SECONDS: '0.1',
      REQUEST_TIMEOUT_SECONDS: '2',
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      MAIL_FROM: 'Spir <no-reply@spir.example>',
      MAIL_RETRY_SECONDS: '0.2',
    },
    { ca: [ca.caCert] },
  );
  running.push(dispatcher);
  return dispatcher;
}

/** A delivery that fails all five attempts; resolves once it is marked failed. */
async function failOneDelivery(dispatcher: TestDispatcher, teamId: string, language?: 'ja' | 'en') {
  const apiKey = await dispatcher.createTeam(teamId, {
    adminEmails: [`owner@${teamId}.example.com`, `ops@${teamId}.example.com`],
    ...(language === undefined ? {} : { language }),
  });
  await dispatcher.call('POST', '/v1/webhooks', {
    token: apiKey,
    body: { url: `https://receiver.test:${receiver.port}/${teamId}`, event: 'event.confirmed' },
  });
  const event = { ...cloneSample('event.confirmed'), webhookEventId: `evt_${teamId}` };
  const ingested = await dispatcher.call('POST', '/internal/v1/events', {
    body: { teamId, urlKind: 'template', event },
  });
  const deliveryId: string = ingested.body.deliveries[0];
  await waitFor('the final failure', async () =>
    (await dispatcher.call('GET', `/v1/deliveries/${deliveryId}`, { token: apiKey })).body.status === 'failed'
      ? true
      : undefined,
  );
  return { deliveryId, apiKey, event };
}

it('emails every administrator once after the fifth failed attempt, with the log attached', async () => {
  const smtp = await startSmtpServer();
  running.push(smtp);
  const dispatcher = await dispatcherMailingTo(smtp.port);
  const { deliveryId, event } = await failOneDelivery(dispatcher, 'mail1');
  const [mail] = await waitFor('the email', () => (smtp.messages.length > 0 ? smtp.messages : undefined));

  expect(mail!.subject).toBe('【Spir】Webhook Transmission Failed');
  expect(mail!.headerLines.find((line) => line.key === 'subject')!.line).toMatch(/^Subject: =\?UTF-8\?/);
  expect(mail!.from!.value).toEqual([{ name: 'Spir', address: 'no-reply@spir.example' }]);
  const to = Array.isArray(mail!.to) ? mail!.to : [mail!.to!];
  expect(to.flatMap((address) => address.value.map((v) => v.address))).toEqual([
    'owner@mail1.example.com',
    'ops@mail1.example.com',
  ]);
  // A team with no language set reads Japanese: every fact, in the text and the HTML part.
  for (const body of [mail!.text, mail!.html as string]) {
    expect(body).toContain('Spirからのwebhook送信が、再試行を含むすべての試行で失敗しました。');
    expect(body).toContain(event.payload.privateTitle);
    expect(body).toContain(`https://receiver.test:${receiver.port}/mail1`);
    expect(body).toContain(`event.confirmed (webhookEventId ${event.webhookEventId})`);
    expect(body).toMatch(/5回目 \d{4}年\d{1,2}月\d{1,2}日\([日月火水木金土]\) \d\d:\d\d:\d\d/);
    expect(body).toContain('受信側でエラーが発生しました（HTTP 503）。');
    expect(body).toContain(`POST /v1/deliveries/${deliveryId}/resend`);
  }

  const attachment = mail!.attachments.find((a) => a.filename === 'transmission-log.json')!;
  const log = JSON.parse(attachment.content.toString('utf8'));
  expect(log.attempts).toHaveLength(5);
  expect(log.attempts.map((a: { response: { status: number } }) => a.response.status)).toEqual([
    503, 503, 503, 503, 503,
  ]);
  expect(log.attempts[0].response.body).toBe('down for maintenance');
  expect(log.attempts[0].request.headers['webhook-signature']).toBe('(redacted)');
  expect(JSON.parse(log.attempts[4].request.body)).toEqual(event);

  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(smtp.messages).toHaveLength(1);
});

it("writes an English team's email in English, with every attempt in UTC and JST", async () => {
  const smtp = await startSmtpServer();
  running.push(smtp);
  const dispatcher = await dispatcherMailingTo(smtp.port);
  const { deliveryId } = await failOneDelivery(dispatcher, 'mail-en', 'en');
  const [mail] = await waitFor('the email', () => (smtp.messages.length > 0 ? smtp.messages : undefined));
  expect(mail!.subject).toBe('【Spir】Webhook Transmission Failed');
  for (const body of [mail!.text, mail!.html as string]) {
    expect(body).toContain('Spir could not deliver a webhook');
    expect(body).toContain('Title for managing the availability URL');
    expect(body).toMatch(/#5 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d JST\)/);
    expect(body).toContain('The endpoint had an error of its own (HTTP 503).');
    expect(body).toContain(`POST /v1/deliveries/${deliveryId}/resend`);
  }
  expect(mail!.attachments.map((a) => a.filename)).toEqual(['transmission-log.json']);
});

it('sends exactly one email when the mail server is down across the final failure and comes back', async () => {
  const port = await freePort();
  const dispatcher = await dispatcherMailingTo(port);
  const { deliveryId } = await failOneDelivery(dispatcher, 'mail2');
  const tried = await waitFor('a refused send', async () => {
    const email = await dispatcher.store.outbox.getFailureEmail(deliveryId, 1);
    return email !== undefined && email.last_error !== null ? email : undefined;
  });
  expect(tried.status).toBe('pending');

  const smtp = await startSmtpServer(port);
  running.push(smtp);
  await waitFor(
    'the email after the mail server came back',
    () => (smtp.messages.length > 0 ? true : undefined),
    20_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  expect(smtp.messages).toHaveLength(1);
  expect(smtp.messages[0]!.subject).toBe('【Spir】Webhook Transmission Failed');
  expect((await dispatcher.store.outbox.getFailureEmail(deliveryId, 1))?.status).toBe('sent');
});
