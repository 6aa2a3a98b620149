import { cloneSample } from '../samples';

/**
 * Bodies that break the contract, each with the path the schema must name. Shared by the zod
 * tests and the JSON Schema tests, which must refuse exactly the same cases. `unknownField` cases
 * are refused only by the strict schemas: the lenient ones (ingest, consumers) keep unknown fields.
 */
export interface InvalidCase {
  description: string;
  path: string;
  event: unknown;
  unknownField?: true;
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
    path: 'payload.attendeesFromOrganizerSide',
    event: changed('event.confirmed', (e) => (e.payload.attendeesFromOrganizerSide = 'a@b.c')),
  },
  {
    description: 'an invitee without email',
    path: 'payload.invitee.email',
    event: changed('event.confirmed', (e) => delete e.payload.invitee.email),
  },
  {
    description: 'a number as invitee language',
    path: 'payload.invitee.language',
    event: changed('form.answered', (e) => (e.payload.invitee.language = 1)),
  },
  {
    description: 'a null online meeting url',
    path: 'payload.onlineMeeting.url',
    event: changed('event.confirmed', (e) => (e.payload.onlineMeeting.url = null)),
  },
  {
    description: 'a form answer without questionId',
    path: 'payload.formAnswers.0.questionId',
    event: changed('event.confirmed', (e) => delete e.payload.formAnswers[0].questionId),
  },
  {
    description: 'a date without offset',
    path: 'payload.startDateTime',
    event: changed('event.confirmed', (e) => (e.payload.startDateTime = '2026-12-01T10:00:00')),
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
    event: changed('form.answered', (e) => (e.payload.originalUrl = '/t/x/as/y/confirm')),
  },
  {
    description: 'a string as rooms',
    path: 'payload.rooms',
    event: changed('event.canceled', (e) => (e.payload.rooms = '会議室A')),
  },
  {
    description: 'a numeric UTM parameter',
    path: 'payload.utmParameters.utm_source',
    event: changed('event.confirmed', (e) => (e.payload.utmParameters.utm_source = 1)),
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
    description: 'a webhookEventId with CR/LF',
    path: 'webhookEventId',
    event: changed('form.answered', (e) => (e.webhookEventId = 'evt\r\nBcc: x')),
  },
  {
    description: 'a webhookEventId with a space or non-ASCII characters',
    path: 'webhookEventId',
    event: changed('event.canceled', (e) => (e.webhookEventId = 'イベント 1')),
  },
  {
    description: 'an unknown extra envelope field',
    path: '',
    event: changed('event.canceled', (e) => (e.extra = true)),
    unknownField: true,
  },
  {
    description: 'an unknown extra payload field',
    path: 'payload',
    event: changed('event.confirmed', (e) => (e.payload.meetingNote = 'A')),
    unknownField: true,
  },
  {
    description: 'an unknown extra invitee field',
    path: 'payload.invitee',
    event: changed('form.answered', (e) => (e.payload.invitee.phone = '03')),
    unknownField: true,
  },
  {
    description: 'an onlineMeeting on a canceled event',
    path: 'payload',
    event: changed('event.canceled', (e) => (e.payload.onlineMeeting = { type: 'zoom', url: '' })),
    unknownField: true,
  },
];

/** The cases that every schema, strict or lenient, refuses. */
export const typedFieldCases = invalidCases.filter((entry) => entry.unknownField !== true);
