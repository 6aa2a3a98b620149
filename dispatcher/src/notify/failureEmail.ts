import { decodeAttempt, type AttemptRow, type FailureEmailJob } from '../store/storeTypes';

/** Fixed by Spir's help page, byte for byte. */
export const failureEmailSubject = '【Spir】Webhook Transmission Failed';

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Deterministic, so that a mail system can drop a repeat. */
  messageId: string;
  attachments: { filename: string; content: string; contentType: string }[];
}

/** `2026-11-26 07:04:45 UTC (2026-11-26 16:04:45 JST)`: customers read Japan time first. */
export function formatUtcAndJst(ms: number): string {
  const utc = new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
  const jst = new Date(ms + 9 * 3600_000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '');
  return `${utc} UTC (${jst} JST)`;
}

function redactSignature(headers: Record<string, string>): Record<string, string> {
  return { ...headers, ...(headers['webhook-signature'] === undefined ? {} : { 'webhook-signature': '(redacted)' }) };
}

/** The transmission log attached to the email: every attempt of the round that failed. */
function transmissionLog(job: FailureEmailJob): object {
  return {
    deliveryId: job.email.delivery_id,
    round: job.email.round,
    webhookId: job.webhookId,
    url: job.url,
    eventName: job.eventName,
    webhookEventId: job.webhookEventId,
    attempts: job.attempts.map(decodeAttempt).map((attempt) => ({
      attempt: attempt.attemptNumber,
      startedAt: new Date(attempt.startedAt).toISOString(),
      durationMs: attempt.durationMs,
      request: { method: 'POST', url: job.url, headers: redactSignature(attempt.requestHeaders), body: job.body },
      response: attempt.response,
      error: attempt.error,
    })),
  };
}

function privateTitleOf(body: string): string {
  const payload = (JSON.parse(body) as { payload?: { privateTitle?: unknown } }).payload;
  return typeof payload?.privateTitle === 'string' ? payload.privateTitle : '(none)';
}

function outcomeOf(attempt: AttemptRow): string {
  if (attempt.response_status !== null) return `HTTP ${attempt.response_status}`;
  return `${attempt.error_code ?? 'error'}: ${attempt.error_message ?? ''}`;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The one email all team administrators get after a delivery's last failed attempt. */
export function composeFailureEmail(job: FailureEmailJob, from: string): MailMessage {
  const title = privateTitleOf(job.body);
  const deliveryId = job.email.delivery_id;
  const rows: [string, string][] = [
    ['Title for managing the availability URL', title],
    ['Webhook URL', job.url],
    ['Event', `${job.eventName} (webhookEventId ${job.webhookEventId})`],
    ['Team', job.teamName],
  ];
  const attemptLines = job.attempts.map(
    (a) => `  #${a.attempt_number}  ${formatUtcAndJst(a.started_at)}  ${Math.round(a.duration_ms)} ms  ${outcomeOf(a)}`,
  );
  const howToSee = `GET /v1/deliveries/${deliveryId} with your team API key shows every attempt; POST /v1/deliveries/${deliveryId}/resend sends the event again once your endpoint is fixed.`;
  const text = [
    'Spir could not deliver a webhook after every retry.',
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    'Time of transmission (every attempt):',
    ...attemptLines,
    '',
    'The transmission log, with each request and response, is attached (transmission-log.json).',
    howToSee,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>Spir could not deliver a webhook after every retry.</p>
<table cellpadding="4" style="border-collapse:collapse">${rows.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<p><strong>Time of transmission (every attempt):</strong></p>
<ol>${job.attempts.map((a) => `<li>${escapeHtml(formatUtcAndJst(a.started_at))}: ${Math.round(a.duration_ms)} ms, ${escapeHtml(outcomeOf(a))}</li>`).join('')}</ol>
<p>The transmission log, with each request and response, is attached (transmission-log.json).</p>
<p>${escapeHtml(howToSee)}</p>
</body></html>`;
  return {
    from,
    to: job.adminEmails,
    subject: failureEmailSubject,
    text,
    html,
    messageId: `<failure-${deliveryId}-r${job.email.round}@spir-webhooks>`,
    attachments: [
      {
        filename: 'transmission-log.json',
        content: `${JSON.stringify(transmissionLog(job), null, 2)}\n`,
        contentType: 'application/json',
      },
    ],
  };
}
