// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import { z } from 'zod';

/**
 * The payload contract of CONTRACT.md (version 2: Spir's real field names), written once.
 *
 * Every schema exists twice. Both check the known fields to the letter (types, required-ness,
 * dates with an offset, https `originalUrl`). They differ on fields this code does not know:
 * - lenient (`lenient*`, and what the dispatcher's ingest uses): unknown fields are kept, at every
 *   level, because Spir adds fields over time (`rooms` and `source` are newer than its help page);
 * - strict: unknown fields are refused, for producers' own tests and for the project's samples.
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
    error: 'must be an ISO 8601 date-time with an offset, such as 2026-08-10T01:00:00Z',
  });
  const httpsUrl = z.string().regex(/^https:\/\/[^\s/?#@]+(?:[/?#]\S*)?$/, { error: 'must be an https URL' });
  const person = object({ name: z.string(), email: z.string() });
  const invitee = object({
    name: z.string(),
    email: z.string(),
    /** The invitee's language in Spir, `"JA"` or `"EN"` today; other strings may come. */
    language: z.string().optional(),
  });
  const formAnswer = object({ questionId: z.string(), question: z.string(), answer: z.string() });
  const onlineMeeting = object({
    /** Zoom, Google Meet or Teams (exact spellings unconfirmed): accept any string. */
    type: z.string(),
    /** Empty when no meeting tool is connected. */
    url: z.string(),
    password: z.string().optional(),
  });
  /** Present when the link was opened with UTM parameters; its inner keys are unconfirmed. */
  const utmParameters = z.record(z.string(), z.string());
  /** How the link was opened; meaning unconfirmed. */
  const source = object({ url: object({ query: z.string() }) });

  const scheduleFields = {
    originalUrl: httpsUrl,
    privateTitle: z.string(),
    confirmedAt: dateTime,
    title: z.string(),
    startDateTime: dateTime,
    endDateTime: dateTime,
    timeZone: z.string().min(1),
    organizer: person,
    attendeesFromOrganizerSide: z.array(person),
    invitee,
    attendeesFromInviteeSide: z.array(person),
    formAnswers: z.array(formAnswer),
    /** Meeting rooms; seen empty, item shape unconfirmed. */
    rooms: z.array(z.unknown()).optional(),
    source: source.optional(),
  };

  const eventConfirmedPayload = object({
    ...scheduleFields,
    onlineMeeting,
    utmParameters: utmParameters.optional(),
  });
  const eventCanceledPayload = object({
    ...scheduleFields,
    cancelReason: z.string(),
    canceledAt: dateTime,
  });
  const formAnsweredPayload = object({
    originalUrl: httpsUrl,
    privateTitle: z.string(),
    answeredAt: dateTime,
    invitee,
    formAnswers: z.array(formAnswer),
  });

  // It travels as the webhook-id header: an id that cannot be a header value could never be delivered.
  const webhookEventId = z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, { error: 'must be 1 to 255 printable ASCII characters without spaces' });
  const envelope = <N extends WebhookEventName, P extends z.ZodType>(name: N, payload: P) =>
    object({ webhookEventName: z.literal(name), webhookEventId, payload });

  const eventConfirmed = envelope('event.confirmed', eventConfirmedPayload);
  const eventCanceled = envelope('event.canceled', eventCanceledPayload);
  const formAnswered = envelope('form.answered', formAnsweredPayload);

  return {
    person,
    invitee,
    formAnswer,
    onlineMeeting,
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

/** Strict: for producers' tests and the samples. Unknown fields and unknown event names are refused. */
export const webhookEventSchema = strict.webhookEvent;
export const eventConfirmedSchema = strict.eventConfirmed;
export const eventCanceledSchema = strict.eventCanceled;
export const formAnsweredSchema = strict.formAnswered;
export const eventConfirmedPayloadSchema = strict.eventConfirmedPayload;
export const eventCanceledPayloadSchema = strict.eventCanceledPayload;
export const formAnsweredPayloadSchema = strict.formAnsweredPayload;

/** Lenient: for the dispatcher's ingest and for consumers. Unknown fields are kept; see `parseWebhookEventLeniently`. */
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
export type Invitee = z.infer<typeof strict.invitee>;
export type FormAnswer = z.infer<typeof strict.formAnswer>;
export type OnlineMeeting = z.infer<typeof strict.onlineMeeting>;
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
export type EventConfirmed = z.infer<typeof eventConfirmedSchema>;
export type EventCanceled = z.infer<typeof eventCanceledSchema>;
export type FormAnswered = z.infer<typeof formAnsweredSchema>;
export type EventConfirmedPayload = z.infer<typeof eventConfirmedPayloadSchema>;
export type EventCanceledPayload = z.infer<typeof eventCanceledPayloadSchema>;
export type FormAnsweredPayload = z.infer<typeof formAnsweredPayloadSchema>;
export type WebhookEventOf<N extends WebhookEventName> = Extract<WebhookEvent, { webhookEventName: N }>;
