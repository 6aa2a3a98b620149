import { freshDelivery, newDeliveryId } from './storeRows';
import type { ClaimedDelivery, NewEvent } from './storeQueueTypes';
import type { WebhookKind } from './storeTypes';
import type { WebhookSecrets } from './webhookSecrets';

/** A live webhook an event goes to, as both engines select it. */
export interface LiveWebhook extends WebhookSecrets {
  id: string;
  url: string;
  kind: WebhookKind;
}

/** One delivery row to insert, leased to the ingest's handoff or left for a claim. */
export interface PlannedDelivery {
  id: string;
  webhookId: string;
  url: string;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/** Only template availability links are delivered (Spir's help page); events of one-off links are kept. */
export const isDelivered = (event: Pick<NewEvent, 'urlKind'>) => event.urlKind === 'template';

/**
 * The rules of an event's fan-out, written once for every engine (which only runs the SQL): one
 * delivery per target; each one the ingest's handoff has a slot for is leased to it and returned
 * ready to send; every lease of the event ends at the same moment. `onReserved` hears each slot
 * taken, so that the engine can give it back if its transaction does not commit.
 */
export function planDeliveries(
  event: NewEvent,
  targets: readonly LiveWebhook[],
  onReserved: (webhookId: string) => void,
): { rows: PlannedDelivery[]; leased: ClaimedDelivery[]; leaseUntil: number | undefined } {
  const { handoff } = event;
  const rows: PlannedDelivery[] = [];
  const leased: ClaimedDelivery[] = [];
  let leaseUntil: number | undefined;
  for (const target of targets) {
    const id = newDeliveryId(event.now);
    const lease = handoff !== undefined && handoff.reserve(target.id);
    if (lease) {
      onReserved(target.id);
      leaseUntil ??= handoff.leaseUntil(event.now);
      leased.push(freshDelivery(event, target, id));
    }
    rows.push({
      id,
      webhookId: target.id,
      url: target.url,
      leaseOwner: lease ? handoff.workerId : null,
      leaseExpiresAt: lease ? leaseUntil! : null,
    });
  }
  return { rows, leased, leaseUntil };
}
