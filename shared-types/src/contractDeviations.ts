import { z } from 'zod';
import { isKnownWebhookEventName, lenientWebhookEventSchema, type WebhookEventName } from './schemas';

/**
 * Two checks of different weight, written once for every package (CONTRACT.md, "When Spir's
 * traffic does not match this contract"):
 * - the deliverable envelope: what a body must have to be delivered at all (an event name, an id
 *   that can travel as the `webhook-id` header, a payload object). A body without it is refused;
 * - the typed contract: every known field with its type. A deliverable event that breaks it is a
 *   deviation: delivered exactly as sent and flagged, because some of the contract's names are
 *   reconstructed and Spir's real traffic must never die on a name we guessed.
 */

const webhookEventIdPattern = /^[\x21-\x7e]{1,255}$/;

/** Longer than this, an event name is no name (Spir's are about 15 characters): it would be stored, counted and labelled with every event. */
export const maxEventNameLength = 100;

/** Deeper than this, a payload is no event (Spir's nest four levels): serialisers and receivers' parsers would overflow. */
export const maxPayloadDepth = 64;

/** Whether a parsed JSON value nests at most `levels` deep; the recursion stops at the limit, so it cannot overflow. */
function nestsWithin(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (levels === 0) return false;
  if (Array.isArray(value)) return value.every((item) => nestsWithin(item, levels - 1));
  for (const key in value) if (!nestsWithin((value as Record<string, unknown>)[key], levels - 1)) return false;
  return true;
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The envelope every delivery needs; everything else in the body is free. */
export const deliverableEnvelopeSchema = z.looseObject({
  webhookEventName: z
    .string({ error: 'is required: a string such as "event.confirmed"' })
    .min(1, { error: 'must not be empty' })
    .max(maxEventNameLength, { error: `must be at most ${maxEventNameLength} characters, such as "event.confirmed"` }),
  webhookEventId: z
    .string({ error: 'is required: 1 to 255 printable ASCII characters without spaces' })
    .regex(webhookEventIdPattern, { error: 'must be 1 to 255 printable ASCII characters without spaces' }),
  // Checked, not copied: the payload is delivered as it came, and this runs on every ingest.
  payload: z
    .custom<Record<string, unknown>>(isJsonObject, { error: 'is required: a JSON object' })
    .refine((payload) => nestsWithin(payload, maxPayloadDepth), {
      error: `must not nest deeper than ${maxPayloadDepth} levels`,
    }),
});

export type DeliverableEnvelope = z.infer<typeof deliverableEnvelopeSchema>;

/** One way an event differs from the typed contract: `payload.cancelReason`, `required field missing`. */
export const contractDeviationSchema = z.object({
  /** The path in the envelope, array indexes as numbers: `payload.formAnswers.0.answer`. */
  path: z.string(),
  problem: z.string(),
});
export type ContractDeviation = z.infer<typeof contractDeviationSchema>;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The deviations of a deliverable envelope from the typed contract; none for a conforming event. */
export function findContractDeviations(envelope: DeliverableEnvelope): ContractDeviation[] {
  if (!isKnownWebhookEventName(envelope.webhookEventName)) {
    return [
      {
        path: 'webhookEventName',
        problem: `unknown event name "${envelope.webhookEventName}": stored, delivered to no webhook`,
      },
    ];
  }
  const result = lenientWebhookEventSchema.safeParse(envelope);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    problem:
      valueAt(envelope, issue.path) === undefined && issue.code === 'invalid_type'
        ? `required field missing (expected ${issue.expected})`
        : issue.message,
  }));
}

/**
 * A path with its array indexes folded (`payload.formAnswers.0.answer` → `payload.formAnswers[].answer`),
 * the form counted in metrics and observed shapes, so that their labels stay bounded.
 */
export function foldArrayIndexes(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, '[]');
}

/** A deliverable event whose known fields deviate: its envelope as sent, and how it deviates. */
export interface DeviatingEvent {
  webhookEventName: WebhookEventName;
  webhookEventId: string;
  /** The payload exactly as parsed from the body: read it defensively. */
  payload: Record<string, unknown>;
  deviations: ContractDeviation[];
}
