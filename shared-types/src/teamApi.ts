import { z } from 'zod';
import { contractDeviationSchema } from './contractDeviations';
import { lenientWebhookEventSchema, webhookEventNames } from './schemas';

// The team API's answers, written once: the dispatcher's routes and its OpenAPI document, the
// console and the Zapier app all take their types from here.

const isoTime = z.iso.datetime({ offset: true });
const eventName = z.enum(webhookEventNames);

export const errorAnswer = z.object({
  error: z.object({
    code: z.string().describe('snake_case'),
    message: z.string().describe('One sentence a person can act on.'),
    details: z.unknown().optional(),
  }),
});

/** How a webhook's receiver has been answering: what the console shows at a glance. */
export const webhookHealth = z.object({
  lastAttempt: z
    .object({
      at: isoTime,
      succeeded: z.boolean(),
      status: z.number().int().nullable().describe('HTTP status, null when no answer came'),
      errorCode: z.string().nullable(),
    })
    .nullable()
    .describe('The newest attempt of the last 24 h, or null'),
  attempts24h: z.number().int(),
  succeeded24h: z.number().int(),
  successRate24h: z.number().nullable().describe('0 to 1; null without attempts in 24 h'),
  consecutiveFailures: z.number().int().describe('Failed attempts since the last success, over the last 24 h'),
  failingSince: isoTime
    .nullable()
    .describe("When the webhook's current run of final failures began; null when it is not failing"),
  failedDeliveries: z
    .number()
    .int()
    .describe(
      'Deliveries that finally failed since failingSince and are not delivered since (a retry in flight counts); 0 when not failing',
    ),
});

export const webhookAnswer = z.object({
  id: z.string(),
  url: z.string(),
  event: eventName,
  kind: z.enum(['endpoint', 'subscription']),
  availabilityLinks: z.array(z.string()).nullable(),
  createdAt: isoTime,
  autoRedeliver: z
    .boolean()
    .describe(
      'Once a failing webhook answers 2xx again, every delivery that finally failed since failingSince is sent again, oldest first',
    ),
  previousSecretExpiresAt: isoTime
    .optional()
    .describe('When the previous secret stops signing; left out when there is none or it has expired'),
});
export const webhookWithSecretAnswer = webhookAnswer.extend({
  secret: z.string().describe('Shown at creation and rotation.'),
});
export const secretsAnswer = z.object({
  secrets: z.array(z.object({ secret: z.string(), expiresAt: isoTime.nullable() })),
});
const webhookLimits = z.object({ urlsPerEvent: z.number().int(), subscriptionsPerEvent: z.number().int() });
export const webhookWithHealthAnswer = webhookAnswer.extend({ health: webhookHealth });
export const webhookListAnswer = z.object({
  data: z.array(webhookWithHealthAnswer),
  limits: webhookLimits,
});
/** `GET /v1/webhooks?health=false`: the list without health, for a picker. */
export const webhookListWithoutHealthAnswer = z.object({ data: z.array(webhookAnswer), limits: webhookLimits });

const attemptOutcome = z.object({
  summary: z.string().describe('What the outcome means, in the team language or ?lang='),
  startedAt: isoTime,
  durationMs: z.number(),
  request: z.object({ headers: z.record(z.string(), z.string()) }),
  response: z
    .object({
      status: z.number().int(),
      headers: z.record(z.string(), z.string()),
      body: z.string(),
      kept: z
        .enum(['whole', 'same', 'trimmed'])
        .describe(
          "How the dispatcher kept this answer: `same` repeats the answer of `sameAs` (headers and body are that attempt's, not repeated here); `trimmed` kept the status only, as the delivery's answers passed what one delivery may store",
        ),
      sameAs: z
        .object({ round: z.number().int(), attempt: z.number().int() })
        .nullable()
        .describe('For `same`: the attempt whose answer this one repeats'),
    })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const testSendAnswer = attemptOutcome.extend({
  succeeded: z.boolean(),
  webhookEventId: z.string(),
  deliveryId: z.string().describe('The test send as kept: a delivery marked `test: true`'),
});

export const deliveryAnswer = z.object({
  id: z.string(),
  webhookId: z.string(),
  url: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'canceled']),
  round: z.number().int(),
  attemptsInRound: z.number().int(),
  nextAttemptAt: isoTime.nullable(),
  cancelReason: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
});

/** What a person remembers of an event: the booking, not its id. Fields the event lacks are null. */
export const bookingAnswer = z.object({
  title: z.string().nullable(),
  inviteeName: z.string().nullable(),
  inviteeEmail: z.string().nullable(),
  startDateTime: z.string().nullable(),
});

const isTest = z
  .boolean()
  .describe('A test send (POST /v1/webhooks/:id/test): one attempt, never retried, resent or emailed about');
const listedDelivery = deliveryAnswer.extend({
  webhookEventId: z.string(),
  eventName: eventName,
  booking: bookingAnswer,
  test: isTest,
});
export const deliveryListAnswer = z.object({ data: z.array(listedDelivery), nextCursor: z.string().nullable() });
const attemptAnswer = attemptOutcome.extend({
  round: z.number().int(),
  attempt: z.number().int(),
  outcome: z.enum(['succeeded', 'retry', 'failed']),
});
export const deliveryDetailAnswer = deliveryAnswer.extend({
  webhookEventId: z.string(),
  eventName: z.string(),
  test: isTest,
  booking: bookingAnswer,
  request: z.object({ body: z.string().describe('The envelope exactly as sent.') }),
  contractDeviations: z.array(contractDeviationSchema),
  attempts: z.array(attemptAnswer),
});
export const resendFailedAnswer = z.object({
  resent: z.number().int(),
  skipped: z.number().int(),
  more: z.boolean().describe('More failed deliveries remain: call again after a minute'),
});

export const urlCheckAnswer = z.union([
  z.object({ ok: z.literal(true), url: z.string() }),
  z.object({ ok: z.literal(false), rule: z.string(), message: z.string() }),
]);
export const eventsAnswer = z.object({
  data: z.array(lenientWebhookEventSchema.or(z.looseObject({}))),
  contractDeviations: z
    .record(z.string(), z.array(contractDeviationSchema))
    .describe('By webhookEventId, the events of `data` that differ from the typed contract'),
  bookings: z
    .record(z.string(), bookingAnswer)
    .describe(
      "By webhookEventId, the booking each event of `data` is about, read by the same rule as a delivery's `booking`",
    ),
});
export const availabilityLinksAnswer = z.object({
  data: z.array(
    z.object({ linkId: z.string(), originalUrl: z.string(), privateTitle: z.string(), lastEventAt: isoTime }),
  ),
});
export const consoleSessionAnswer = z.object({
  teamId: z.string(),
  teamName: z.string(),
  language: z.enum(['ja', 'en']),
  csrfToken: z.string(),
  expiresAt: isoTime,
});

export type ErrorAnswer = z.infer<typeof errorAnswer>;
export type WebhookHealth = z.infer<typeof webhookHealth>;
export type WebhookAnswer = z.infer<typeof webhookAnswer>;
export type WebhookWithHealthAnswer = z.infer<typeof webhookWithHealthAnswer>;
export type WebhookWithSecretAnswer = z.infer<typeof webhookWithSecretAnswer>;
export type SecretsAnswer = z.infer<typeof secretsAnswer>;
export type WebhookListAnswer = z.infer<typeof webhookListAnswer>;
export type WebhookListWithoutHealthAnswer = z.infer<typeof webhookListWithoutHealthAnswer>;
export type TestSendAnswer = z.infer<typeof testSendAnswer>;
export type BookingAnswer = z.infer<typeof bookingAnswer>;
export type DeliveryListAnswer = z.infer<typeof deliveryListAnswer>;
export type ListedDeliveryAnswer = DeliveryListAnswer['data'][number];
export type DeliveryDetailAnswer = z.infer<typeof deliveryDetailAnswer>;
export type AttemptAnswer = z.infer<typeof attemptAnswer>;
export type ResendFailedAnswer = z.infer<typeof resendFailedAnswer>;
export type UrlCheckAnswer = z.infer<typeof urlCheckAnswer>;
export type EventsAnswer = z.infer<typeof eventsAnswer>;
export type AvailabilityLinksAnswer = z.infer<typeof availabilityLinksAnswer>;
export type ConsoleSessionAnswer = z.infer<typeof consoleSessionAnswer>;
