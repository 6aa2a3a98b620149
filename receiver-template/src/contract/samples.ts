// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import type { EventCanceled, EventConfirmed, FormAnswered, WebhookEventName, WebhookEventOf } from './schemas';

/**
 * Events shaped like Spir's real traffic (CONTRACT.md): UTC dates, Japanese titles and form
 * questions, `originalUrl` as `https://app.spirinc.com/t/<teamId>/as/<linkId>/confirm`, a title
 * built as `{public title}:{invitee}x{organizer}`. They serve as Zapier samples, test fixtures,
 * the endpoint checker's requests and documentation; every one passes the strict schema.
 */
const interviewLink = 'https://app.spirinc.com/t/01HZX3TEAM7Q/as/01J8MENSETSU1/confirm';
const demoLink = 'https://app.spirinc.com/t/01HZX3TEAM7Q/as/01J8PRODUCTDEMO/confirm';

const organizer = { name: '山田 太郎', email: 'taro.yamada@example.co.jp' };
const invitee = { name: '鈴木 一郎', email: 'ichiro.suzuki@example.com', language: 'JA' };
const formAnswers = [
  { questionId: 'q_name', question: 'お名前', answer: '鈴木 一郎' },
  { questionId: 'q_company', question: '会社・団体名', answer: '鈴木商事株式会社' },
];

const eventConfirmed: EventConfirmed = {
  webhookEventName: 'event.confirmed',
  webhookEventId: '01JDQ4ZK8M6T3V9X2B7N5C1R0E',
  payload: {
    originalUrl: interviewLink,
    privateTitle: '採用面接（一次）',
    confirmedAt: '2026-11-20T05:32:05Z',
    title: '一次面接:鈴木 一郎x山田 太郎',
    startDateTime: '2026-12-01T01:00:00Z',
    endDateTime: '2026-12-01T02:00:00Z',
    timeZone: 'Asia/Tokyo',
    organizer,
    attendeesFromOrganizerSide: [organizer, { name: '佐藤 花子', email: 'hanako.sato@example.co.jp' }],
    invitee,
    attendeesFromInviteeSide: [],
    onlineMeeting: { type: 'zoom', url: 'https://zoom.us/j/98765432100', password: '482913' },
    formAnswers,
    rooms: [],
    utmParameters: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'winter-hiring-2026' },
  },
};

const eventCanceled: EventCanceled = {
  webhookEventName: 'event.canceled',
  webhookEventId: '01JDQ5B2W1H8P4K6Y3D9F7G0SA',
  payload: {
    originalUrl: interviewLink,
    privateTitle: '採用面接（一次）',
    confirmedAt: '2026-11-20T05:32:05Z',
    title: '一次面接:鈴木 一郎x山田 太郎',
    startDateTime: '2026-12-01T01:00:00Z',
    endDateTime: '2026-12-01T02:00:00Z',
    timeZone: 'Asia/Tokyo',
    organizer,
    attendeesFromOrganizerSide: [organizer],
    invitee,
    attendeesFromInviteeSide: [],
    formAnswers,
    cancelReason: '別の日程に変更させてください。',
    canceledAt: '2026-11-25T08:10:00Z',
  },
};

const formAnswered: FormAnswered = {
  webhookEventName: 'form.answered',
  webhookEventId: '01JDQ6C7T9M2R5N8Q1V4X6Z3HB',
  payload: {
    originalUrl: interviewLink,
    privateTitle: '採用面接（一次）',
    answeredAt: '2026-11-20T05:30:41Z',
    invitee,
    formAnswers: [
      ...formAnswers,
      { questionId: 'q_note', question: 'ご質問', answer: '当日はカメラオフでも構いませんか？' },
    ],
  },
};

export const samples: { readonly [N in WebhookEventName]: WebhookEventOf<N> } = {
  'event.confirmed': eventConfirmed,
  'event.canceled': eventCanceled,
  'form.answered': formAnswered,
};

/** An English-speaking invitee on a link with no meeting tool connected: `onlineMeeting.url` is empty. */
const confirmedWithoutMeetingUrl: EventConfirmed = {
  webhookEventName: 'event.confirmed',
  webhookEventId: '01JDQ7D1S4K8N2P6R9T3V5X7ZB',
  payload: {
    originalUrl: demoLink,
    privateTitle: 'Product demo (30 min)',
    confirmedAt: '2026-11-18T02:15:00Z',
    title: 'Spir demo:John MillerxEmily Carter',
    startDateTime: '2026-11-27T05:00:00Z',
    endDateTime: '2026-11-27T05:30:00Z',
    timeZone: 'America/Los_Angeles',
    organizer: { name: 'Emily Carter', email: 'emily.carter@example.com' },
    attendeesFromOrganizerSide: [{ name: 'Emily Carter', email: 'emily.carter@example.com' }],
    invitee: { name: 'John Miller', email: 'john.miller@acme.example', language: 'EN' },
    attendeesFromInviteeSide: [{ name: 'Grace Lee', email: 'grace.lee@acme.example' }],
    onlineMeeting: { type: '', url: '' },
    formAnswers: [{ questionId: 'q_team_size', question: 'Team size', answer: '25' }],
  },
};

/**
 * Spir has no reschedule event: a reschedule arrives as `event.canceled` of the old slot, then
 * `event.confirmed` of the new one, on the same availability link.
 */
const reschedule: readonly [EventCanceled, EventConfirmed] = [
  {
    ...eventCanceled,
    webhookEventId: '01JDQ8R1CANCELOLDSLOT00000',
    payload: { ...eventCanceled.payload, cancelReason: '' },
  },
  {
    ...eventConfirmed,
    webhookEventId: '01JDQ8R2CONFIRMNEWSLOT0000',
    payload: {
      ...eventConfirmed.payload,
      confirmedAt: '2026-11-25T08:10:02Z',
      startDateTime: '2026-12-03T05:00:00Z',
      endDateTime: '2026-12-03T06:00:00Z',
    },
  },
];

/** More samples of real situations, beside the one per event name. */
export const moreSamples = { confirmedWithoutMeetingUrl, reschedule } as const;

/** A deep copy of a sample, so that a caller can change it without touching the shared one. */
export function cloneSample<N extends WebhookEventName>(name: N): WebhookEventOf<N> {
  return structuredClone(samples[name]);
}
