import { z } from 'zod';

/**
 * The payload contract of ../shared/spec/contract.md, written once.
 *
 * Every schema exists twice: strict, for producers (the dispatcher refuses what Spir's core
 * sends when it does not match to the letter), and lenient, for consumers (unknown extra
 * fields are kept, so that a field Spir adds tomorrow never makes a customer's endpoint fail).
 */

/** The event names Spir sends today. Consumers must acknowledge and ignore any other name. */
export const webhookEventNames = ['event.confirmed', 'event.canceled', 'form.answered'] as const;
export type WebhookEventName = (typeof webhookEventNames)[number];

export function isKnownWebhookEventName(name: unknown): name is WebhookEventName {
  return typeof name === 'string' && (webhookEventNames as readonly string[]).includes(name);
}

type Mode = 'strict' | 'lenient';

function buildSchemas(mode: Mode) {
  // The inferred types are those of a plain object in both modes; only the treatment of
  // unknown keys differs at run time (refused, or kept).
  const object = mode === 'strict' ? z.strictObject : z.looseObject;

  const dateTime = z.iso.datetime({
    offset: true,
    error: 'must be an ISO 8601 date-time with an offset, such as 2026-12-01T10:00:00+09:00',
  });
  const httpsUrl = z.string().regex(/^https:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/, { error: 'must be an https URL' });
  const person = object({ name: z.string(), email: z.string() });
  const formAnswer = object({ question: z.string(), answer: z.string() });
  const utm = object({
    source: z.string().optional(),
    medium: z.string().optional(),
    campaign: z.string().optional(),
    term: z.string().optional(),
    content: z.string().optional(),
  });
  const videoConference = object({
    /** `zoom`, `googleMeet`, `microsoftTeams` or `none` today; other strings may come. */
    service: z.string(),
    url: z.string().nullable(),
  });

  const scheduleFields = {
    originalUrl: httpsUrl,
    managementTitle: z.string(),
    confirmedAt: dateTime,
    title: z.string(),
    start: dateTime,
    end: dateTime,
    timeZone: z.string().min(1),
    organizer: person,
    organizerAttendees: z.array(person),
    confirmer: person,
    confirmerAttendees: z.array(person),
    formAnswers: z.array(formAnswer),
  };

  const eventConfirmedPayload = object({
    ...scheduleFields,
    videoConference,
    utm: utm.optional(),
  });
  const eventCanceledPayload = object({
    ...scheduleFields,
    cancelReason: z.string(),
    canceledAt: dateTime,
  });
  const formAnsweredPayload = object({
    originalUrl: httpsUrl,
    managementTitle: z.string(),
    answeredAt: dateTime,
    answerer: person,
    formAnswers: z.array(formAnswer),
  });

  const webhookEventId = z.string().min(1).max(255);
  const envelope = <N extends WebhookEventName, P extends z.ZodType>(name: N, payload: P) =>
    object({ webhookEventName: z.literal(name), webhookEventId, payload });

  const eventConfirmed = envelope('event.confirmed', eventConfirmedPayload);
  const eventCanceled = envelope('event.canceled', eventCanceledPayload);
  const formAnswered = envelope('form.answered', formAnsweredPayload);

  return {
    person,
    eventConfirmedPayload,
    eventCanceledPayload,
    formAnsweredPayload,
    eventConfirmed,
    eventCanceled,
    formAnswered,
    webhookEvent: z.discriminatedUnion('webhookEventName', [eventConfirmed, eventCanceled, formAnswered]),
  };
}

const strict = buildSchemas('strict');
const lenient = buildSchemas('lenient');

/** Strict: for producers. Unknown fields, unknown event names and loose dates are refused. */
export const webhookEventSchema = strict.webhookEvent;
export const eventConfirmedSchema = strict.eventConfirmed;
export const eventCanceledSchema = strict.eventCanceled;
export const formAnsweredSchema = strict.formAnswered;
export const eventConfirmedPayloadSchema = strict.eventConfirmedPayload;
export const eventCanceledPayloadSchema = strict.eventCanceledPayload;
export const formAnsweredPayloadSchema = strict.formAnsweredPayload;

/** Lenient: for consumers. Unknown fields are kept; see `parseWebhookEventLeniently`. */
export const lenientWebhookEventSchema = lenient.webhookEvent;
export const lenientEventConfirmedSchema = lenient.eventConfirmed;
export const lenientEventCanceledSchema = lenient.eventCanceled;
export const lenientFormAnsweredSchema = lenient.formAnswered;
export const lenientEventConfirmedPayloadSchema = lenient.eventConfirmedPayload;
export const lenientEventCanceledPayloadSchema = lenient.eventCanceledPayload;
export const lenientFormAnsweredPayloadSchema = lenient.formAnsweredPayload;

/** One schema per event name, strict, for code that picks the schema from a name. */
export const eventSchemasByName = {
  'event.confirmed': eventConfirmedSchema,
  'event.canceled': eventCanceledSchema,
  'form.answered': formAnsweredSchema,
} as const;

export type Person = z.infer<typeof strict.person>;
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type EventConfirmed = z.infer<typeof eventConfirmedSchema>;
export type EventCanceled = z.infer<typeof eventCanceledSchema>;
export type FormAnswered = z.infer<typeof formAnsweredSchema>;
export type EventConfirmedPayload = z.infer<typeof eventConfirmedPayloadSchema>;
export type EventCanceledPayload = z.infer<typeof eventCanceledPayloadSchema>;
export type FormAnsweredPayload = z.infer<typeof formAnsweredPayloadSchema>;
export type WebhookEventOf<N extends WebhookEventName> = Extract<WebhookEvent, { webhookEventName: N }>;
