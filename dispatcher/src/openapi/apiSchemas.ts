import { z } from 'zod';
import { contractDeviationSchema } from '@spir-webhooks/shared-types';
export {
  availabilityLinksAnswer,
  consoleSessionAnswer,
  deliveryAnswer,
  deliveryDetailAnswer,
  deliveryListAnswer,
  errorAnswer,
  eventsAnswer,
  eventTypesAnswer,
  resendFailedAnswer,
  secretsAnswer,
  testSendAnswer,
  urlCheckAnswer,
  webhookListAnswer,
  webhookListWithoutHealthAnswer,
  webhookWithHealthAnswer,
  webhookWithSecretAnswer,
} from '@spir-webhooks/shared-types';

// The answers of the dispatcher's routes, as zod schemas: the OpenAPI document is generated from
// them, and the whole-path tests check real answers against that document. The team API's live
// in shared-types, where the console and the Zapier app take their types from.

const isoTime = z.iso.datetime({ offset: true });

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

export const failingWebhooksAnswer = z.object({
  data: z.array(
    z.object({
      teamId: z.string(),
      webhookId: z.string(),
      url: z.string(),
      failingSince: isoTime,
      failedDeliveries: z
        .number()
        .int()
        .describe('Deliveries that finally failed since failingSince and are not delivered since'),
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
  learning: z.object({
    limits: z.object({
      eventNames: z.number().int(),
      pathsPerEvent: z.number().int(),
      pathLength: z.number().int(),
      depth: z.number().int(),
    }),
    eventNamesFullSince: isoTime.nullable(),
    pathsFullSince: z.record(z.string(), isoTime),
  }),
});

export const meAnswer = z.object({ teamId: z.string(), name: z.string(), scope: z.enum(['full', 'read']) });
export const consoleLinkAnswer = z.object({ url: z.string(), expiresAt: isoTime });
export const healthAnswer = z.object({ status: z.literal('ok') });
export const readyAnswer = z.object({ status: z.literal('ready'), store: z.enum(['sqlite', 'postgres']) });
export const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });
