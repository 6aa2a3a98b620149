import type { TeamLanguage } from '../store/storeTypes';

/** `2026-11-26 07:04:45 UTC (2026-11-26 16:04:45 JST)`. */
export function formatUtcAndJst(ms: number): string {
  const plain = (at: number) =>
    new Date(at)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, '');
  return `${plain(ms)} UTC (${plain(ms + 9 * 3600_000)} JST)`;
}

const weekdaysJa = ['日', '月', '火', '水', '木', '金', '土'];

/** `2026年12月3日(木) 14:00:05`, Japan time, as Spir's own notices write dates. */
export function formatJapaneseDate(ms: number): string {
  const jst = new Date(ms + 9 * 3600_000);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${jst.getUTCFullYear()}年${jst.getUTCMonth() + 1}月${jst.getUTCDate()}日(${weekdaysJa[jst.getUTCDay()]}) ` +
    `${two(jst.getUTCHours())}:${two(jst.getUTCMinutes())}:${two(jst.getUTCSeconds())}`
  );
}

export interface EmailFacts {
  teamName: string;
  privateTitle: string;
  url: string;
  eventName: string;
  webhookEventId: string;
  deliveryId: string;
  /** The delivery's page in the team console, when CONSOLE_BASE_URL is set. */
  consoleUrl: string | undefined;
  attempts: { number: number; at: number; durationMs: number; outcome: string; summary: string }[];
}

export interface EmailWording {
  greeting: string;
  lead: string[];
  labels: { privateTitle: string; url: string; event: string; attempts: string };
  time: (ms: number) => string;
  attemptLine: (attempt: EmailFacts['attempts'][number]) => string;
  nextStepsTitle: string;
  nextSteps: string[];
  attachment: string;
  footer: string;
}

/** What the email says, in each team language; the facts come from `composeFailureEmail`. */
export function emailWording(language: TeamLanguage, facts: EmailFacts): EmailWording {
  const resend = `POST /v1/deliveries/${facts.deliveryId}/resend`;
  const details = `GET /v1/deliveries/${facts.deliveryId}`;
  if (language === 'ja') {
    return {
      greeting: `${facts.teamName} ご担当者様`,
      lead: [
        'Spirからのwebhook送信が、再試行を含むすべての試行で失敗しました。',
        '受信側の状況をご確認のうえ、再送をお願いいたします。',
      ],
      labels: {
        privateTitle: '空き時間リンクの管理用タイトル',
        url: 'Webhook URL',
        event: 'イベント',
        attempts: '送信日時と結果（日本時間）',
      },
      time: formatJapaneseDate,
      attemptLine: (a) =>
        `${a.number}回目 ${formatJapaneseDate(a.at)}（${Math.round(a.durationMs)} ms）${a.outcome}: ${a.summary}`,
      nextStepsTitle: '対応のお願い',
      nextSteps: [
        '上記の結果をもとに、Webhook URLの受信側の問題を解消してください。',
        ...(facts.consoleUrl === undefined
          ? []
          : [`コンソールで各試行の詳細を確認し、再送できます: ${facts.consoleUrl}`]),
        `解消後、チームのAPIキーで ${resend} を呼び出すと、同じイベントを同じwebhookEventIdで再送できます。`,
        `各試行のリクエストと応答は ${details} でも確認できます。`,
      ],
      attachment: '各リクエストと応答の記録を添付ファイル（transmission-log.json）でお送りします。',
      footer: 'このメールは送信専用のアドレスからお送りしています。',
    };
  }
  return {
    greeting: `To the administrators of ${facts.teamName},`,
    lead: [
      'Spir could not deliver a webhook: every attempt, retries included, failed.',
      'Please check the endpoint, then send the event again.',
    ],
    labels: {
      privateTitle: 'Title for managing the availability URL',
      url: 'Webhook URL',
      event: 'Event',
      attempts: 'Time of transmission and outcome',
    },
    time: formatUtcAndJst,
    attemptLine: (a) =>
      `#${a.number} ${formatUtcAndJst(a.at)} (${Math.round(a.durationMs)} ms) ${a.outcome}: ${a.summary}`,
    nextStepsTitle: 'What to do',
    nextSteps: [
      'Fix what the outcomes above point to at the webhook URL.',
      ...(facts.consoleUrl === undefined
        ? []
        : [`See every attempt and resend it in the console: ${facts.consoleUrl}`]),
      `Then call ${resend} with your team API key: it sends the same event again, with the same webhookEventId.`,
      `${details} shows every attempt's request and response.`,
    ],
    attachment: 'The transmission log, with each request and response, is attached (transmission-log.json).',
    footer: 'This message was sent from an address that does not receive replies.',
  };
}
