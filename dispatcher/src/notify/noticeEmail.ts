import { decodeAttempt } from '../store/storeRows';
import type { WebhookNoticeJob } from '../store/failingStore';
import { summarizeAttempt } from '../delivery/api/summarizeAttempt';
import { escapeHtml, oneLine, outcomeOf, privateTitleOf, type MailMessage } from './failureEmail';
import { digestWording, recoveredWording, type NoticeFacts } from './noticeWording';

/** The last answer of a failed delivery, in one line: `HTTP 503: the server is down…`. */
function lastAnswerOf(failure: WebhookNoticeJob['failures'][number], job: WebhookNoticeJob): string {
  if (failure.lastAttempt === null) return '-';
  const attempt = decodeAttempt(failure.lastAttempt);
  return `${outcomeOf(attempt)}: ${summarizeAttempt(attempt, job.teamLanguage)}`;
}

function titleOf(body: string): string {
  try {
    return oneLine(privateTitleOf(body));
  } catch {
    return '(none)';
  }
}

/**
 * A digest of a failing webhook's further final failures, or the email saying it works again
 * (store/failingStore.ts), in the team's language. The message id is the notice's own, so that a
 * mail system drops a repeat after a crash between the send and its record.
 */
export function composeNoticeEmail(
  job: WebhookNoticeJob,
  from: string,
  periods: { digestMs: number; probeMs: number },
  consoleBaseUrl: string | undefined,
): MailMessage {
  const facts: NoticeFacts = {
    teamName: oneLine(job.teamName),
    url: oneLine(job.url),
    eventName: job.eventName,
    webhookId: job.webhookId,
    failingSince: job.failingSince,
    at: job.at,
    autoRedeliver: job.autoRedeliver,
    stillFailing: job.stillFailing,
    digestMs: periods.digestMs,
    probeMs: periods.probeMs,
    failures: job.failures.map((failure) => ({
      title: titleOf(failure.body),
      at: failure.failedAt,
      answer: lastAnswerOf(failure, job),
    })),
    failureCount: job.failureCount,
    redelivery: job.redelivery,
    consoleUrl:
      consoleBaseUrl === undefined
        ? undefined
        : `${consoleBaseUrl}/console/#/deliveries?webhookId=${encodeURIComponent(job.webhookId)}`,
  };
  const words =
    job.kind === 'digest' ? digestWording(job.teamLanguage, facts) : recoveredWording(job.teamLanguage, facts);
  const lines = facts.failures.map((failure, i) => words.failureLine(failure, i + 1));
  if (words.more !== undefined) lines.push(words.more);
  const text = [
    words.greeting,
    '',
    ...words.lead,
    '',
    ...(lines.length === 0 ? [] : [...lines.map((line) => `  ${line}`), '']),
    `${words.nextTitle}:`,
    ...words.next.map((step) => `  - ${step}`),
    '',
    words.footer,
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${job.teamLanguage}"><body style="font-family:sans-serif">
<p>${escapeHtml(words.greeting)}</p>
${words.lead.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
${lines.length === 0 ? '' : `<ul>${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`}
<p><strong>${escapeHtml(words.nextTitle)}</strong></p>
<ul>${words.next.map((step) => `<li>${escapeHtml(step)}</li>`).join('')}</ul>
<p>${escapeHtml(words.footer)}</p>
</body></html>`;
  const attachments =
    job.kind === 'digest'
      ? [
          {
            filename: 'failed-deliveries.json',
            content: `${JSON.stringify(
              {
                webhookId: job.webhookId,
                url: job.url,
                failingSince: new Date(job.failingSince).toISOString(),
                failures: job.failures.map((failure, i) => ({
                  deliveryId: failure.deliveryId,
                  webhookEventId: failure.webhookEventId,
                  eventName: failure.eventName,
                  title: facts.failures[i]!.title,
                  failedAt: new Date(failure.failedAt).toISOString(),
                  lastAnswer: facts.failures[i]!.answer,
                })),
                more: job.failureCount - job.failures.length,
              },
              null,
              2,
            )}\n`,
            contentType: 'application/json',
          },
        ]
      : [];
  return {
    from,
    to: job.adminEmails,
    subject: words.subject,
    text,
    html,
    messageId: `<notice-${job.kind}-${job.webhookId}-${job.id}@spir-webhooks>`,
    attachments,
  };
}
