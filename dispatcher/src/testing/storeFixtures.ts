import type { AttemptResult, ClaimedDelivery, NewEvent } from '../store/storeQueueTypes';
import type { Store } from '../store/store';

// The rows the store contract suites work with: team t, webhooks of form.answered, events of link L1.

export const now = 1_800_000_000_000;
export const team = {
  name: 'T',
  adminEmails: ['a@example.com'],
  maxUrlsPerEvent: 2,
  maxSubscriptionsPerEvent: 3,
  language: 'ja' as const,
  now,
};
export const webhook = (id: string, extra: object = {}) => ({
  id,
  teamId: 't',
  url: `https://${id}.example.com/`,
  eventName: 'form.answered' as const,
  secret: `whsec_${id}`,
  createdAt: now,
  kind: 'endpoint' as const,
  availabilityLinks: undefined,
  ...extra,
});
export const event = (id: string, linkId = 'L1'): NewEvent => ({
  teamId: 't',
  webhookEventId: id,
  eventName: 'form.answered',
  urlKind: 'template',
  body: `{"id":"${id}"}`,
  link: { id: linkId, originalUrl: `https://app.spirinc.com/t/t/as/${linkId}/confirm`, privateTitle: 'T' },
  now,
});
export const claim = (store: Store, workerId: string, limit = 10, perWebhookLimit = 8) =>
  store.queue.claimDueDeliveries({
    workerId,
    now,
    leaseUntil: now + 60_000,
    limit,
    perWebhookLimit,
    inFlightByWebhook: new Map(),
    limitByWebhook: new Map(),
  });
export const result = (delivery: ClaimedDelivery, next: AttemptResult['next']): AttemptResult => ({
  deliveryId: delivery.id,
  webhookId: delivery.webhookId,
  round: delivery.round,
  attemptNumber: delivery.attemptNumber,
  startedAt: now,
  durationMs: 5,
  requestHeaders: {},
  response: { status: 500, headers: {}, body: '' },
  error: null,
  next,
});
