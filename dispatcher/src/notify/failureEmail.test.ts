import type { AttemptRow, FailureEmailJob } from '../store/storeTypes';
import { composeFailureEmail, failureEmailSubject } from './failureEmail';
import { formatJapaneseDate, formatUtcAndJst } from './failureEmailWording';

const attempt = (n: number, extra: Partial<AttemptRow>): AttemptRow => ({
  id: n,
  delivery_id: 'dlv_1',
  round: 1,
  attempt_number: n,
  started_at: Date.UTC(2026, 10, 26, 15, 0, n * 10),
  duration_ms: 12.5,
  outcome: 'failed',
  request_headers: JSON.stringify({ 'webhook-id': 'evt_1', 'webhook-signature': 'v1,secretish' }),
  response_status: null,
  response_headers: null,
  response_body: null,
  error_code: null,
  error_message: null,
  answer_kept: 'whole',
  same_round: null,
  same_attempt: null,
  ...extra,
});

const job: FailureEmailJob = {
  email: {
    id: 1,
    delivery_id: 'dlv_1',
    round: 1,
    team_id: 't1',
    status: 'pending',
    send_attempts: 1,
    next_attempt_at: 0,
    lease_owner: null,
    lease_expires_at: null,
    last_error: null,
    message_id: null,
    created_at: 0,
    sent_at: null,
  },
  url: 'https://hooks.example.com/spir',
  webhookId: 'wh_1',
  webhookEventId: 'evt_1',
  eventName: 'event.confirmed',
  body: JSON.stringify({
    webhookEventName: 'event.confirmed',
    webhookEventId: 'evt_1',
    payload: { privateTitle: '採用面接 <一次>' },
  }),
  teamName: 'Acme',
  teamLanguage: 'en',
  adminEmails: ['a@example.com', 'b@example.com'],
  attempts: [
    attempt(1, { response_status: 500, response_headers: '{"content-type":"text/plain"}', response_body: 'boom' }),
    attempt(2, { error_code: 'timeout', error_message: 'no complete response within 30 s' }),
  ],
};

describe('composeFailureEmail for an English-speaking team', () => {
  const message = composeFailureEmail(job, 'Spir <no-reply@spir.example>');

  it('reads each attempt in plain English and says what to do next', () => {
    for (const body of [message.text, message.html]) {
      expect(body).toContain('HTTP 500: The endpoint had an error of its own (HTTP 500).');
      expect(body).toContain('timeout: The endpoint did not answer in time (timeout).');
      expect(body).toContain('POST /v1/deliveries/dlv_1/resend');
    }
  });

  it("uses the subject of Spir's help page and every administrator as recipient", () => {
    expect(message.subject).toBe('【Spir】Webhook Transmission Failed');
    expect(failureEmailSubject).toBe('\u3010Spir\u3011Webhook Transmission Failed');
    expect(message.to).toEqual(['a@example.com', 'b@example.com']);
  });

  it('names the management title, the URL, the event and each attempt time in UTC and JST', () => {
    for (const body of [message.text, message.html]) {
      expect(body).toContain('https://hooks.example.com/spir');
      expect(body).toContain('event.confirmed');
      expect(body).toContain('evt_1');
      expect(body).toContain('2026-11-26 15:00:10 UTC (2026-11-27 00:00:10 JST)');
      expect(body).toContain('/v1/deliveries/dlv_1');
    }
    expect(message.text).toContain('採用面接 <一次>');
    expect(message.html).toContain('採用面接 &lt;一次&gt;');
  });

  it('attaches the transmission log with the signature redacted', () => {
    const log = JSON.parse(message.attachments[0]!.content);
    expect(message.attachments[0]!.filename).toBe('transmission-log.json');
    expect(log.attempts).toHaveLength(2);
    expect(log.attempts[0]).toMatchObject({
      attempt: 1,
      response: { status: 500, body: 'boom' },
      request: { headers: { 'webhook-signature': '(redacted)', 'webhook-id': 'evt_1' } },
    });
    expect(log.attempts[1]).toMatchObject({ response: null, error: { code: 'timeout' } });
    expect(log.attempts[0].request.body).toBe(job.body);
  });

  it('gives the message an id derived from the delivery and round', () => {
    expect(message.messageId).toBe('<failure-dlv_1-r1@spir-webhooks>');
  });
});

describe('composeFailureEmail for a Japanese-speaking team', () => {
  const message = composeFailureEmail({ ...job, teamName: '株式会社サンプル', teamLanguage: 'ja' }, 'Spir <a@b.c>');

  it('keeps the subject and the attachment, and writes text and HTML in Japanese with Japan time', () => {
    expect(message.subject).toBe('【Spir】Webhook Transmission Failed');
    expect(message.attachments[0]!.filename).toBe('transmission-log.json');
    for (const body of [message.text, message.html]) {
      expect(body).toContain('株式会社サンプル ご担当者様');
      expect(body).toContain('空き時間リンクの管理用タイトル');
      expect(body).toContain('https://hooks.example.com/spir');
      expect(body).toContain('evt_1');
      expect(body).toContain('1回目 2026年11月27日(金) 00:00:10');
      expect(body).toContain('受信側でエラーが発生しました（HTTP 500）。');
      expect(body).toContain('時間内に応答がありませんでした（タイムアウト）。');
      expect(body).toContain('POST /v1/deliveries/dlv_1/resend');
    }
    expect(message.text).toContain('採用面接 <一次>');
    expect(message.html).toContain('lang="ja"');
  });

  it('keeps a field with CR/LF on one line of the text part', () => {
    const body = JSON.stringify({ payload: { privateTitle: '面接\r\nBcc: victim@example.com\r\nSubject: x' } });
    const forged = composeFailureEmail({ ...job, body, teamLanguage: 'ja' }, 'Spir <a@b.c>');
    const line = forged.text.split('\n').find((text) => text.includes('Bcc:'));
    expect(line).toBe('空き時間リンクの管理用タイトル: 面接 Bcc: victim@example.com Subject: x');
    expect(forged.text.split('\n').some((text) => /^(Bcc|Subject):/.test(text))).toBe(false);
  });
});

describe('composeFailureEmail with a console', () => {
  it("links to the delivery's page in the console, beside the API call", () => {
    const message = composeFailureEmail(job, 'Spir <a@b.c>', 'https://webhooks.spir.example');
    for (const body of [message.text, message.html]) {
      expect(body).toContain('https://webhooks.spir.example/console/#/deliveries/dlv_1');
      expect(body).toContain('POST /v1/deliveries/dlv_1/resend');
    }
  });
});

describe('formatJapaneseDate', () => {
  it('writes Japan time with the weekday, as Spir does', () => {
    expect(formatJapaneseDate(Date.UTC(2026, 11, 3, 5, 0, 0))).toBe('2026年12月3日(木) 14:00:00');
  });
});

describe('formatUtcAndJst', () => {
  it('crosses the date line into Japan time', () => {
    expect(formatUtcAndJst(Date.UTC(2026, 11, 31, 20, 30, 0))).toBe(
      '2026-12-31 20:30:00 UTC (2027-01-01 05:30:00 JST)',
    );
  });
});
