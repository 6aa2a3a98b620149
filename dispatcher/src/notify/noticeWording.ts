import type { TeamLanguage } from '../store/storeTypes';
import { formatJapaneseDate, formatUtcAndJst } from './failureEmailWording';

/** The facts a digest or "working again" notice tells (notify/noticeEmail.ts gathers them). */
export interface NoticeFacts {
  teamName: string;
  url: string;
  eventName: string;
  webhookId: string;
  failingSince: number;
  /** Digest: when it was written; recovered: when the webhook answered 2xx again. */
  at: number;
  autoRedeliver: boolean;
  stillFailing: boolean;
  digestMs: number;
  /** RECOVERY_PROBE_SECONDS: how soon a failing webhook is tried again at first. */
  probeMs: number;
  /** Digest: the failures it names, and how many there were in all. */
  failures: { title: string; at: number; answer: string }[];
  failureCount: number;
  redelivery: { sentAgain: number; delivered: number; failedAgain: number; notSent: number };
  consoleUrl: string | undefined;
}

export interface NoticeWording {
  subject: string;
  greeting: string;
  lead: string[];
  failureLine: (failure: NoticeFacts['failures'][number], n: number) => string;
  more: string | undefined;
  nextTitle: string;
  next: string[];
  footer: string;
}

/** A period as a digest names it: `10 s`, `1.5 min`, `1 h`. */
function period(ms: number, units: { s: string; min: string; h: string }): string {
  if (ms >= 3600_000) return `${Math.round(ms / 360_000) / 10}${units.h}`;
  if (ms >= 60_000) return `${Math.round(ms / 6_000) / 10}${units.min}`;
  return `${Math.round(ms / 100) / 10}${units.s}`;
}
const periodJa = (ms: number) => period(ms, { s: '秒', min: '分', h: '時間' });
const periodEn = (ms: number) => period(ms, { s: ' s', min: ' min', h: ' h' });

function resendCall(facts: NoticeFacts): string {
  const body = JSON.stringify({ since: new Date(facts.failingSince).toISOString(), webhookId: facts.webhookId });
  return `POST /v1/deliveries/resend-failed ${body}`;
}

/** What a digest says, in the team's language. */
export function digestWording(language: TeamLanguage, facts: NoticeFacts): NoticeWording {
  const more = facts.failureCount - facts.failures.length;
  const list = `GET /v1/deliveries?webhookId=${facts.webhookId}&status=failed`;
  if (language === 'ja') {
    return {
      subject: `【Spir】Webhook送信失敗のまとめ（${facts.failureCount}件）`,
      greeting: `${facts.teamName} ご担当者様`,
      lead: [
        `Webhook URL ${facts.url}（${facts.eventName}）への送信は ${formatJapaneseDate(facts.failingSince)} から失敗が続いています。`,
        `前回のお知らせ以降、次の${facts.failureCount}件のイベントが再試行を含むすべての試行で送信できませんでした。`,
      ],
      failureLine: (f, n) => `${n}. ${f.title} ／ ${formatJapaneseDate(f.at)} ／ 最後の応答: ${f.answer}`,
      more: more > 0 ? `ほか${more}件（コンソール、または ${list} で確認できます）` : undefined,
      nextTitle: '今後の動き',
      next: [
        ...(facts.stillFailing
          ? facts.autoRedeliver
            ? [
                `Spirは最も古い失敗した送信で、${periodJa(facts.probeMs)}から最長1時間の間隔でこのURLを再試行します。`,
                `2xxで応答があった時点で、${formatJapaneseDate(facts.failingSince)} 以降に失敗した送信をすべて古い順に再送し、そのことをメールでお知らせします。`,
              ]
            : [
                'このWebhookは自動再送がオフのため、失敗した送信が自動で再送されることはありません。次の新しいイベントで復旧を確認できます。',
                `復旧後、コンソールまたは ${resendCall(facts)} で再送してください。`,
              ]
          : [
              facts.autoRedeliver
                ? 'このURLはその後応答するようになり、失敗した送信は自動で再送されています。完了後にメールでお知らせします。'
                : `このURLはその後応答するようになりました。自動再送がオフのため、コンソールまたは ${resendCall(facts)} で再送してください。`,
            ]),
        `失敗が続く間、以降の失敗は${periodJa(facts.digestMs)}ごとに1通のメールにまとめてお知らせします。`,
        ...(facts.consoleUrl === undefined ? [] : [`コンソール: ${facts.consoleUrl}`]),
      ],
      footer: 'このメールは送信専用のアドレスからお送りしています。',
    };
  }
  return {
    subject: `【Spir】Webhook Transmission Failed: ${facts.failureCount} more events`,
    greeting: `To the administrators of ${facts.teamName},`,
    lead: [
      `The webhook at ${facts.url} (${facts.eventName}) has been failing since ${formatUtcAndJst(facts.failingSince)}.`,
      `Since the last email, these ${facts.failureCount} events could not be delivered: every attempt, retries included, failed.`,
    ],
    failureLine: (f, n) => `${n}. ${f.title} / ${formatUtcAndJst(f.at)} / last answer: ${f.answer}`,
    more: more > 0 ? `and ${more} more (see them in the console, or with ${list})` : undefined,
    nextTitle: 'What happens next',
    next: [
      ...(facts.stillFailing
        ? facts.autoRedeliver
          ? [
              `Spir tries the webhook again with its oldest failed delivery, from ${periodEn(facts.probeMs)} up to an hour apart.`,
              `As soon as it answers 2xx, every delivery that failed since ${formatUtcAndJst(facts.failingSince)} is sent again, oldest first, and one email says so.`,
            ]
          : [
              'Automatic redelivery is off for this webhook: nothing is sent again on its own. The next new event shows whether it works again.',
              `Then resend the failed deliveries from the console, or with ${resendCall(facts)}.`,
            ]
        : [
            facts.autoRedeliver
              ? 'The webhook has answered again since: the failed deliveries are being sent again, and one email will say when they are done.'
              : `The webhook has answered again since. Automatic redelivery is off: resend the failed deliveries from the console, or with ${resendCall(facts)}.`,
          ]),
      `While it keeps failing, further failures are gathered into one email every ${periodEn(facts.digestMs)}.`,
      ...(facts.consoleUrl === undefined ? [] : [`Console: ${facts.consoleUrl}`]),
    ],
    footer: 'This message was sent from an address that does not receive replies.',
  };
}

/** What the "working again" notice says, in the team's language. */
export function recoveredWording(language: TeamLanguage, facts: NoticeFacts): NoticeWording {
  const { sentAgain, delivered, failedAgain, notSent } = facts.redelivery;
  if (language === 'ja') {
    return {
      subject: '【Spir】Webhook送信が復旧しました',
      greeting: `${facts.teamName} ご担当者様`,
      lead: [
        `Webhook URL ${facts.url}（${facts.eventName}）は ${formatJapaneseDate(facts.at)} に再び2xxで応答しました（${formatJapaneseDate(facts.failingSince)} から失敗が続いていました）。`,
        sentAgain > 0
          ? `その間に失敗した${sentAgain}件の送信を古い順に再送しました: ${delivered}件が成功、${failedAgain}件が再び失敗しました。`
          : '再送した送信はありません。',
        ...(notSent > 0 ? [`${notSent}件の失敗した送信は再送されていません（自動再送がオフです）。`] : []),
      ],
      failureLine: () => '',
      more: undefined,
      nextTitle: '対応のお願い',
      next: [
        ...(notSent > 0 ? [`コンソールまたは ${resendCall(facts)} で再送できます。`] : []),
        ...(failedAgain > 0 ? ['再び失敗した送信は、失敗のお知らせのとおり扱われます。'] : []),
        ...(notSent === 0 && failedAgain === 0 ? ['対応は不要です。'] : []),
        ...(facts.consoleUrl === undefined ? [] : [`コンソール: ${facts.consoleUrl}`]),
      ],
      footer: 'このメールは送信専用のアドレスからお送りしています。',
    };
  }
  return {
    subject: '【Spir】Webhook Working Again',
    greeting: `To the administrators of ${facts.teamName},`,
    lead: [
      `The webhook at ${facts.url} (${facts.eventName}) answered 2xx again at ${formatUtcAndJst(facts.at)}; it had been failing since ${formatUtcAndJst(facts.failingSince)}.`,
      sentAgain > 0
        ? `The ${sentAgain} deliveries that failed meanwhile were sent again, oldest first: ${delivered} delivered, ${failedAgain} failed again.`
        : 'No delivery was sent again.',
      ...(notSent > 0 ? [`${notSent} failed deliveries were not sent again: automatic redelivery is off.`] : []),
    ],
    failureLine: () => '',
    more: undefined,
    nextTitle: 'What to do',
    next: [
      ...(notSent > 0 ? [`Resend them from the console, or with ${resendCall(facts)}.`] : []),
      ...(failedAgain > 0 ? ['Those that failed again are handled like any failure, with their own notices.'] : []),
      ...(notSent === 0 && failedAgain === 0 ? ['Nothing: every delivery is through.'] : []),
      ...(facts.consoleUrl === undefined ? [] : [`Console: ${facts.consoleUrl}`]),
    ],
    footer: 'This message was sent from an address that does not receive replies.',
  };
}
