import { contractShapeOf, type DeviatingEvent, type WebhookEvent } from '@spir-webhooks/shared-types';

/** Nested keys joined as Zapier's own flattening does: `source__url__query`. */
const separator = '__';

export type Flat = Record<string, string | null | { [key: string]: string }[]>;

const text = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * A payload flattened into Zapier fields: objects into `a__b` keys, arrays of objects into line
 * items, other arrays into one comma-separated field. `keep` decides, by contract path
 * (`payload.invitee.name`), which of them to give.
 */
function flatten(value: unknown, path: string, key: string, keep: (path: string) => boolean, into: Flat): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [child, inner] of Object.entries(value)) {
      flatten(inner, `${path}.${child}`, key === '' ? child : `${key}${separator}${child}`, keep, into);
    }
    return;
  }
  if (!keep(path)) return;
  if (Array.isArray(value)) {
    const objects = value.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item));
    into[key] =
      objects && value.length > 0
        ? value.map((item: object) => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, text(v)])))
        : value.map(text).join(', ');
    return;
  }
  into[key] = value === null ? null : text(value);
}

/**
 * The fields of a conforming event that its typed item does not carry: what Spir added after this
 * app was written, so that a Zap can map it before the app learns its name.
 */
export function unknownFieldsOf(event: WebhookEvent): Flat {
  const known = contractShapeOf(event.webhookEventName);
  const isKnown = (path: string) => {
    const withoutIndexes = path.replace(/\.\d+(?=\.|$)/g, '[]');
    if (known.has(withoutIndexes)) return true;
    // Below a free-keyed object (utmParameters) or a known array, the typed item has it already.
    return [...known.entries()].some(
      ([prefix, entry]) =>
        (entry.anyKeys === true || entry.types.includes('array')) && withoutIndexes.startsWith(`${prefix}.`),
    );
  };
  const extras: Flat = {};
  flatten(event.payload, 'payload', '', (path) => !isKnown(path), extras);
  return extras;
}

/**
 * The item for an event whose known fields deviate from the typed contract: its ids, each
 * deviation in one text field, and the whole payload flattened as sent, so that a Zap still runs
 * (and can map a field Spir named otherwise) instead of failing on a name we guessed.
 */
export function deviatingItemOf(event: DeviatingEvent): Flat {
  const fields: Flat = {};
  flatten(event.payload, 'payload', '', () => true, fields);
  return {
    id: event.webhookEventId,
    webhookEventName: event.webhookEventName,
    webhookEventId: event.webhookEventId,
    contractDeviations: event.deviations.map((d) => `${d.path}: ${d.problem}`).join('\n'),
    ...fields,
  };
}
