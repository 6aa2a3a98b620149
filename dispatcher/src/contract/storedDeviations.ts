import { deliverableEnvelopeSchema, findContractDeviations, type ContractDeviation } from '@spir-webhooks/shared-types';

/**
 * The deviations of a stored event from the typed contract as this dispatcher knows it, worked
 * out from its body when read rather than stored: a contract corrected after production
 * confirmed a name stops flagging the events that carried it.
 */
export function deviationsOfStoredBody(body: string): ContractDeviation[] {
  const envelope = deliverableEnvelopeSchema.safeParse(JSON.parse(body));
  return envelope.success ? findContractDeviations(envelope.data) : [];
}
