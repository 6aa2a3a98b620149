import { type z } from 'zod';
import { isKnownWebhookEventName, lenientWebhookEventSchema, type WebhookEvent } from './schemas';

/** What a consumer learns from a body: an event to handle, a name to ignore, or a broken body. */
export type LenientParseResult =
  | { kind: 'event'; event: WebhookEvent }
  | { kind: 'unknown'; webhookEventName: string; webhookEventId: string | undefined }
  | { kind: 'invalid'; issues: z.core.$ZodIssue[]; message: string };

/**
 * Parses a body the way consumers must: unknown extra fields are kept, and an event name that
 * did not exist when this code was written is reported as `unknown` (to be acknowledged with a
 * 2xx and ignored), not as `invalid`, so that a new event type never triggers retries.
 */
export function parseWebhookEventLeniently(input: unknown): LenientParseResult {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { webhookEventName, webhookEventId } = input as Record<string, unknown>;
    if (typeof webhookEventName === 'string' && !isKnownWebhookEventName(webhookEventName)) {
      return {
        kind: 'unknown',
        webhookEventName,
        webhookEventId: typeof webhookEventId === 'string' ? webhookEventId : undefined,
      };
    }
  }
  const result = lenientWebhookEventSchema.safeParse(input);
  if (result.success) return { kind: 'event', event: result.data };
  return { kind: 'invalid', issues: result.error.issues, message: describeIssues(result.error.issues) };
}

/** One line naming every broken path, e.g. `payload.startDateTime: must be an ISO 8601 date-time ...`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
