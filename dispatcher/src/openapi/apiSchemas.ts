import { z } from 'zod';
import { contractDeviationSchema, lenientWebhookEventSchema, webhookEventNames } from '@spir-webhooks/shared-types';

// The answers of the dispatcher's routes, as zod schemas: the OpenAPI document is generated from
// them, and the whole-path tests check real answers against that document.

const isoTime = z.iso.datetime({ offset: true });
const eventName = z.enum(webhookEventNames);

export const errorAnswer = z.object({
  error: z.object({
    code: z.string().describe('snake_case'),
    message: z.string().describe('One sentence a person can act on.'),
    details: z.unknown().optional(),
  }),
});

export const teamAnswer = z.object({
  teamId: z.string(),
  name: z.string(),
  adminEmails: z.array(z.string()),
  maxUrlsPerEvent: z.number().int(),
  maxSubscriptionsPerEvent: z.number().int(),
  language: z.enum(['ja', 'en']),
  createdAt: isoTime,
  updatedAt: isoTime,
});

export const apiKeyAnswer = z.object({
  id: z.string(),
  prefix: z.string(),
  label: z.string().nullable(),
  scope: z.enum(['full', 'read']),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  expiresAt: isoTime.nullable(),
});
export const createdApiKeyAnswer = apiKeyAnswer.extend({ apiKey: z.string().describe('Shown this once.') });

export const webhookAnswer = z.object({
  id: z.string(),
  url: z.string(),
  event: eventName,
  kind: z.enum(['endpoint', 'subscription']),
  availabilityLinks: z.array(z.string()).nullable(),
  createdAt: isoTime,
  previousSecretExpiresAt: isoTime.optional(),
});
export const webhookWithSecretAnswer = webhookAnswer.extend({
  secret: z.string().describe('Shown at creation and rotation.'),
});

const attemptOutcome = z.object({
  summary: z.string().describe('What the outcome means, in the team language or ?lang='),
  startedAt: isoTime,
  durationMs: z.number(),
  request: z.object({ headers: z.record(z.string(), z.string()) }),
  response: z
    .object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.string() })
    .nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

export const testSendAnswer = attemptOutcome.extend({ succeeded: z.boolean(), webhookEventId: z.string() });

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
const listedDelivery = deliveryAnswer.extend({ webhookEventId: z.string(), eventName: eventName });
export const deliveryListAnswer = z.object({ data: z.array(listedDelivery), nextCursor: z.string().nullable() });
export const deliveryDetailAnswer = deliveryAnswer.extend({
  webhookEventId: z.string(),
  eventName: z.string(),
  request: z.object({ body: z.string().describe('The envelope exactly as sent.') }),
  contractDeviations: z.array(contractDeviationSchema),
  attempts: z.array(
    attemptOutcome.extend({
      round: z.number().int(),
      attempt: z.number().int(),
      outcome: z.enum(['succeeded', 'retry', 'failed']),
    }),
  ),
});

export const ingestAnswer = z.object({
  webhookEventId: z.string(),
  deliveries: z.array(z.string()),
  duplicate: z.boolean(),
  contractDeviations: z.array(contractDeviationSchema).optional(),
});

export const observedAnswer = z.object({
  events: z.record(
    z.string(),
    z.array(
      z.object({
        path: z.string(),
        types: z.array(z.string()),
        count: z.number().int(),
        firstSeen: isoTime,
        lastSeen: isoTime,
      }),
    ),
  ),
});

export const meAnswer = z.object({ teamId: z.string(), name: z.string(), scope: z.enum(['full', 'read']) });
export const secretsAnswer = z.object({
  secrets: z.array(z.object({ secret: z.string(), expiresAt: isoTime.nullable() })),
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
});
export const availabilityLinksAnswer = z.object({
  data: z.array(
    z.object({ linkId: z.string(), originalUrl: z.string(), privateTitle: z.string(), lastEventAt: isoTime }),
  ),
});
export const consoleLinkAnswer = z.object({ url: z.string(), expiresAt: isoTime });
export const consoleSessionAnswer = z.object({
  teamId: z.string(),
  teamName: z.string(),
  language: z.enum(['ja', 'en']),
  csrfToken: z.string(),
  expiresAt: isoTime,
});
export const healthAnswer = z.object({ status: z.literal('ok') });
export const readyAnswer = z.object({ status: z.literal('ready'), store: z.enum(['sqlite', 'postgres']) });
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
