import type { ContractDeviation, DeviatingEvent } from './contract/contractDeviations';

/**
 * What `onDeviatingEvent` decides for a known event whose fields differ from the typed contract:
 * - nothing (`undefined`): refused. The receiver answers 503 naming each deviation, so Spir
 *   retries, its failure email shows the reason to your team's admins, and the event comes again
 *   once you have updated the receiver. The default: such an event is never lost silently;
 * - `{ correctedPayload }`: the payload put right (a renamed field renamed back). It is checked
 *   against the typed contract again and, if it now conforms, handed to the typed handler of its
 *   event name (`onEventCanceled`, ...), once;
 * - `{ acknowledged: true }`: you have handled it in `onDeviatingEvent` yourself: answered 200.
 */
export type DeviatingEventDecision = { correctedPayload: Record<string, unknown> } | { acknowledged: true };

/** Paths as the deviations name them (`payload.cancelReason`): the contract's path → the path Spir sent. */
export type FieldRenamings = Readonly<Record<string, string>>;

const segmentsOf = (path: string) => path.replace(/^payload\./, '').split('.');

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * The payload with each field that arrived under a known other name moved back to the contract's
 * name, or undefined when no renaming applies (the event deviates in some other way).
 */
export function renameFields(event: DeviatingEvent, renamings: FieldRenamings): Record<string, unknown> | undefined {
  const payload = structuredClone(event.payload);
  let renamed = false;
  for (const [contractPath, sentPath] of Object.entries(renamings)) {
    const to = segmentsOf(contractPath);
    const from = segmentsOf(sentPath);
    const value = valueAt(payload, from);
    const parent = valueAt(payload, to.slice(0, -1));
    if (value === undefined || typeof parent !== 'object' || parent === null) continue;
    if ((parent as Record<string, unknown>)[to.at(-1)!] !== undefined) continue;
    delete (valueAt(payload, from.slice(0, -1)) as Record<string, unknown>)[from.at(-1)!];
    (parent as Record<string, unknown>)[to.at(-1)!] = value;
    renamed = true;
  }
  return renamed ? payload : undefined;
}

/** Each deviation in words, one after the other: `payload.cancelReason: required field missing (expected string)`. */
export function describeDeviations(deviations: readonly ContractDeviation[]): string {
  return deviations.map((deviation) => `${deviation.path}: ${deviation.problem}`).join('; ');
}
