import type { WebhookListWithoutHealthAnswer } from './api';
import { useApi } from './useApi';

/** The team's webhooks as a filter's options (id, URL); none while they load or if they cannot. */
export function useWebhookOptions(): [string, string][] {
  // Without health: a picker needs ids and URLs, not each webhook's attempts over 24 h.
  const webhooks = useApi<WebhookListWithoutHealthAnswer>('/v1/webhooks?health=false');
  return webhooks.data?.data.map((webhook) => [webhook.id, webhook.url]) ?? [];
}
