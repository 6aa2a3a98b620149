import type { WebhookListAnswer } from './api';
import { useApi } from './useApi';

/** The team's webhooks as a filter's options (id, URL); none while they load or if they cannot. */
export function useWebhookOptions(): [string, string][] {
  const webhooks = useApi<WebhookListAnswer>('/v1/webhooks');
  return webhooks.data?.data.map((webhook) => [webhook.id, webhook.url]) ?? [];
}
