import type { AttemptRow, FailureEmailJob } from '../store/storeTypes';
import { composeFailureEmail, failureEmailSubject, formatUtcAndJst } from './failureEmail';

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
  adminEmails: ['a@example.com', 'b@example.com'],
  attempts: [
    attempt(1, { response_status: 500, response_headers: '{"content-type":"text/plain"}', response_body: 'boom' }),
    attempt(2, { error_code: 'timeout', error_message: 'no complete response within 30 s' }),
  ],
};

describe('composeFailureEmail', () => {
  const message = composeFailureEmail(job, 'Spir <no-reply@spir.example>');

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

describe('formatUtcAndJst', () => {
  it('crosses the date line into Japan time', () => {
    expect(formatUtcAndJst(Date.UTC(2026, 11, 31, 20, 30, 0))).toBe(
      '2026-12-31 20:30:00 UTC (2027-01-01 05:30:00 JST)',
    );
  });
});
