import type { DeliveryRow, WebhookRow } from './storeTypes';

/**
 * Whether a delivery may start a new round, written once for every engine: not another team's
 * (nor one that does not exist), not one whose webhook was deleted; the engine's update then
 * takes only a finished one (succeeded or failed), so that a pending one reads as in progress.
 */
export function resendRefusal(
  delivery: DeliveryRow | undefined,
  webhook: Pick<WebhookRow, 'deleted_at'> | undefined,
): 'not_found' | 'webhook_deleted' | undefined {
  if (delivery === undefined) return 'not_found';
  if (webhook === undefined || webhook.deleted_at !== null) return 'webhook_deleted';
  return undefined;
}
