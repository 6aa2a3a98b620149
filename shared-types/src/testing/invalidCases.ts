import { cloneSample } from '../samples';

/**
 * Bodies that break the contract, each with the path the strict schema must name. Shared by the
 * zod tests and the JSON Schema tests, which must refuse exactly the same cases.
 */
export interface InvalidCase {
  description: string;
  path: string;
  event: unknown;
}

function changed(
  name: 'event.confirmed' | 'event.canceled' | 'form.answered',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures reach into any field
  change: (event: Record<string, any>) => void,
): unknown {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const event = cloneSample(name) as Record<string, any>;
  change(event);
  return event;
}

export const invalidCases: InvalidCase[] = [
  {
    description: 'a number as title',
    path: 'payload.title',
    event: changed('event.confirmed', (e) => (e.payload.title = 42)),
  },
  {
    description: 'a string as attendees',
    path: 'payload.organizerAttendees',
    event: changed('event.confirmed', (e) => (e.payload.organizerAttendees = 'a@b.c')),
  },
  {
    description: 'a person without email',
    path: 'payload.confirmer.email',
    event: changed('event.confirmed', (e) => delete e.payload.confirmer.email),
  },
  {
    description: 'a null video conference url as a number',
    path: 'payload.videoConference.url',
    event: changed('event.confirmed', (e) => (e.payload.videoConference.url = 1)),
  },
  {
    description: 'a date without offset',
    path: 'payload.start',
    event: changed('event.confirmed', (e) => (e.payload.start = '2026-12-01T10:00:00')),
  },
  {
    description: 'a date only',
    path: 'payload.canceledAt',
    event: changed('event.canceled', (e) => (e.payload.canceledAt = '2026-12-01')),
  },
  {
    description: 'a date with a space',
    path: 'payload.answeredAt',
    event: changed('form.answered', (e) => (e.payload.answeredAt = '2026-12-01 10:00:00+09:00')),
  },
  {
    description: 'an http originalUrl',
    path: 'payload.originalUrl',
    event: changed('event.confirmed', (e) => (e.payload.originalUrl = 'http://app.spirinc.com/x')),
  },
  {
    description: 'a relative originalUrl',
    path: 'payload.originalUrl',
    event: changed('form.answered', (e) => (e.payload.originalUrl = '/patterns/x')),
  },
  {
    description: 'an unknown extra envelope field',
    path: '',
    event: changed('event.canceled', (e) => (e.extra = true)),
  },
  {
    description: 'an unknown extra payload field',
    path: 'payload',
    event: changed('event.confirmed', (e) => (e.payload.roomName = 'A')),
  },
  {
    description: 'an unknown extra person field',
    path: 'payload.answerer',
    event: changed('form.answered', (e) => (e.payload.answerer.phone = '03')),
  },
  {
    description: 'an unknown event name',
    path: 'webhookEventName',
    event: changed('event.confirmed', (e) => (e.webhookEventName = 'event.rescheduled')),
  },
  {
    description: 'an empty webhookEventId',
    path: 'webhookEventId',
    event: changed('event.confirmed', (e) => (e.webhookEventId = '')),
  },
  {
    description: 'a 256-character webhookEventId',
    path: 'webhookEventId',
    event: changed('form.answered', (e) => (e.webhookEventId = 'x'.repeat(256))),
  },
  {
    description: 'a canceled event with videoConference',
    path: 'payload',
    event: changed('event.canceled', (e) => (e.payload.videoConference = { service: 'zoom', url: null })),
  },
  {
    description: 'a numeric utm source',
    path: 'payload.utm.source',
    event: changed('event.confirmed', (e) => (e.payload.utm.source = 1)),
  },
];
