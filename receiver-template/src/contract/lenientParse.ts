// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import { type z } from 'zod';
import {
  deliverableEnvelopeSchema,
  findContractDeviations,
  type ContractDeviation,
  type DeviatingEvent,
} from './contractDeviations';
import { isKnownWebhookEventName, lenientWebhookEventSchema, type WebhookEvent } from './schemas';

/**
 * What a consumer learns from a body: an event to handle; a known event whose fields deviate
 * from the typed contract (to acknowledge, and read defensively); a name to ignore; or a body
 * that is no event at all.
 */
export type LenientParseResult =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'deviating'; event: DeviatingEvent }
  | { kind: 'unknown'; webhookEventName: string; webhookEventId: string | undefined }
  | { kind: 'invalid'; issues: z.core.$ZodIssue[]; message: string };

/**
 * Parses a body the way consumers must: unknown extra fields are kept; an event name that did
 * not exist when this code was written is `unknown` (acknowledge it with a 2xx and ignore it);
 * a known event whose fields differ from the contract is `deviating`, not `invalid`, because
 * some of the contract's names are reconstructed (CONTRACT.md) and a guessed name must never make
 * a customer's endpoint refuse Spir's real events, retry after retry.
 */
export function parseWebhookEventLeniently(input: unknown): LenientParseResult {
  const envelope = deliverableEnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    return { kind: 'invalid', issues: envelope.error.issues, message: describeIssues(envelope.error.issues) };
  }
  const { webhookEventName, webhookEventId, payload } = envelope.data;
  if (!isKnownWebhookEventName(webhookEventName)) return { kind: 'unknown', webhookEventName, webhookEventId };
  const result = lenientWebhookEventSchema.safeParse(input);
  if (result.success) return { kind: 'event', event: result.data };
  const deviations: ContractDeviation[] = findContractDeviations(envelope.data);
  return { kind: 'deviating', event: { webhookEventName, webhookEventId, payload, deviations } };
}

/** One line naming every broken path, e.g. `payload.startDateTime: must be an ISO 8601 date-time ...`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
