import { summarizeAttempt } from '../delivery/api/summarizeAttempt';
import { headersForReader } from '../delivery/api/signatureRedaction';
import { decodeAttempt } from '../store/storeRows';
import { type DecodedAttempt, type FailureEmailJob } from '../store/storeTypes';
import { emailWording, type EmailFacts } from './failureEmailWording';

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

// An email goes to every administrator and may be forwarded: none of them is a secret's reader.
const emailReader = { mayReadSecret: false };

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
      request: {
        method: 'POST',
        url: job.url,
        headers: headersForReader(attempt.requestHeaders, emailReader),
        body: job.body,
      },
      response:
        attempt.response === null
          ? null
          : { ...attempt.response, kept: attempt.answerKept, sameAs: attempt.sameAnswerAs },
      error: attempt.error,
    })),
  };
}

export function privateTitleOf(body: string): string {
  const payload = (JSON.parse(body) as { payload?: { privateTitle?: unknown } }).payload;
  return typeof payload?.privateTitle === 'string' ? payload.privateTitle : '(none)';
}

/** An event field in a line of the text part: control characters never start a new line. */
// eslint-disable-next-line no-control-regex -- control characters are what this removes
export const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function outcomeOf(attempt: DecodedAttempt): string {
  return attempt.response !== null ? `HTTP ${attempt.response.status}` : (attempt.error?.code ?? 'error');
}

/** The one email all team administrators get after a delivery's last failed attempt, in the team's language. */
export function composeFailureEmail(job: FailureEmailJob, from: string, consoleBaseUrl?: string): MailMessage {
  const deliveryId = job.email.delivery_id;
  const facts: EmailFacts = {
    teamName: oneLine(job.teamName),
    privateTitle: oneLine(privateTitleOf(job.body)),
    url: oneLine(job.url),
    eventName: job.eventName,
    webhookEventId: job.webhookEventId,
    deliveryId,
    consoleUrl: consoleBaseUrl === undefined ? undefined : `${consoleBaseUrl}/console/#/deliveries/${deliveryId}`,
    attempts: job.attempts.map(decodeAttempt).map((attempt) => ({
      number: attempt.attemptNumber,
      at: attempt.startedAt,
      durationMs: attempt.durationMs,
      outcome: outcomeOf(attempt),
      summary: summarizeAttempt(attempt, job.teamLanguage),
    })),
  };
  const words = emailWording(job.teamLanguage, facts);
  const rows: [string, string][] = [
    [words.labels.privateTitle, facts.privateTitle],
    [words.labels.url, facts.url],
    [words.labels.event, `${facts.eventName} (webhookEventId ${facts.webhookEventId})`],
  ];
  const text = [
    words.greeting,
    '',
    ...words.lead,
    '',
    ...rows.map(([label, value]) => `${label}: ${value}`),
    '',
    `${words.labels.attempts}:`,
    ...facts.attempts.map((attempt) => `  ${words.attemptLine(attempt)}`),
    '',
    `${words.nextStepsTitle}:`,
    ...words.nextSteps.map((step, i) => `  ${i + 1}. ${step}`),
    '',
    words.attachment,
    words.footer,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${job.teamLanguage}"><body style="font-family:sans-serif">
<p>${escapeHtml(words.greeting)}</p>
${words.lead.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<table cellpadding="4" style="border-collapse:collapse">${rows.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>
<p><strong>${escapeHtml(words.labels.attempts)}</strong></p>
<ol>${facts.attempts.map((attempt) => `<li>${escapeHtml(words.attemptLine(attempt))}</li>`).join('')}</ol>
<p><strong>${escapeHtml(words.nextStepsTitle)}</strong></p>
<ol>${words.nextSteps.map((step) => `<li>${escapeHtml(step)}</li>`).join('')}</ol>
<p>${escapeHtml(words.attachment)}</p>
<p>${escapeHtml(words.footer)}</p>
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
