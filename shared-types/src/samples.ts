import type { EventCanceled, EventConfirmed, FormAnswered, WebhookEventName, WebhookEventOf } from './schemas';

/**
 * One realistic envelope per event name. They serve as Zapier samples, test fixtures,
 * the endpoint checker's requests and documentation; every one of them passes the strict schema.
 */
const eventConfirmed: EventConfirmed = {
  webhookEventName: 'event.confirmed',
  webhookEventId: '01JDQ4ZK8M6T3V9X2B7N5C1R0E',
  payload: {
    originalUrl: 'https://app.spirinc.com/patterns/availability-sharing/0f5c2a9e-3b1d-4c8e-9a7f-2d6e1b4c8a90/confirm',
    managementTitle: '採用面接（一次）',
    confirmedAt: '2026-11-20T14:32:05+09:00',
    title: '株式会社サンプル 一次面接',
    start: '2026-12-01T10:00:00+09:00',
    end: '2026-12-01T11:00:00+09:00',
    timeZone: 'Asia/Tokyo',
    organizer: { name: '山田 太郎', email: 'taro.yamada@example.co.jp' },
    organizerAttendees: [
      { name: '山田 太郎', email: 'taro.yamada@example.co.jp' },
      { name: '佐藤 花子', email: 'hanako.sato@example.co.jp' },
    ],
    confirmer: { name: '鈴木 一郎', email: 'ichiro.suzuki@example.com' },
    confirmerAttendees: [{ name: '鈴木 一郎', email: 'ichiro.suzuki@example.com' }],
    videoConference: { service: 'zoom', url: 'https://zoom.us/j/98765432100' },
    formAnswers: [
      { question: '会社名', answer: '鈴木商事株式会社' },
      { question: 'ご希望の職種', answer: 'バックエンドエンジニア' },
    ],
    utm: { source: 'newsletter', medium: 'email', campaign: 'winter-hiring-2026' },
  },
};

const eventCanceled: EventCanceled = {
  webhookEventName: 'event.canceled',
  webhookEventId: '01JDQ5B2W1H8P4K6Y3D9F7G0SA',
  payload: {
    originalUrl: 'https://app.spirinc.com/patterns/availability-sharing/7a1e9c3d-5f2b-4e6a-8c0d-9b3f1a7e5c24/confirm',
    managementTitle: 'Product demo (30 min)',
    confirmedAt: '2026-11-18T02:15:00Z',
    title: 'Spir demo with Acme Inc.',
    start: '2026-11-27T05:00:00Z',
    end: '2026-11-27T05:30:00Z',
    timeZone: 'America/Los_Angeles',
    organizer: { name: 'Emily Carter', email: 'emily.carter@example.com' },
    organizerAttendees: [{ name: 'Emily Carter', email: 'emily.carter@example.com' }],
    confirmer: { name: 'John Miller', email: 'john.miller@acme.example' },
    confirmerAttendees: [
      { name: 'John Miller', email: 'john.miller@acme.example' },
      { name: 'Grace Lee', email: 'grace.lee@acme.example' },
    ],
    formAnswers: [{ question: 'Team size', answer: '25' }],
    cancelReason: 'We need to move this to next week, sorry.',
    canceledAt: '2026-11-21T16:40:12-08:00',
  },
};

const formAnswered: FormAnswered = {
  webhookEventName: 'form.answered',
  webhookEventId: '01JDQ6C7T9M2R5N8Q1V4X6Z3HB',
  payload: {
    originalUrl: 'https://app.spirinc.com/patterns/availability-sharing/0f5c2a9e-3b1d-4c8e-9a7f-2d6e1b4c8a90/confirm',
    managementTitle: '採用面接（一次）',
    answeredAt: '2026-11-20T14:30:41+09:00',
    answerer: { name: '鈴木 一郎', email: 'ichiro.suzuki@example.com' },
    formAnswers: [
      { question: '会社名', answer: '鈴木商事株式会社' },
      { question: 'ご質問があればご記入ください', answer: '当日はカメラオフでも構いませんか？' },
    ],
  },
};

export const samples: { readonly [N in WebhookEventName]: WebhookEventOf<N> } = {
  'event.confirmed': eventConfirmed,
  'event.canceled': eventCanceled,
  'form.answered': formAnswered,
};

/** A deep copy of a sample, so that a caller can change it without touching the shared one. */
export function cloneSample<N extends WebhookEventName>(name: N): WebhookEventOf<N> {
  return structuredClone(samples[name]);
}
