import type { Bundle, Trigger, ZObject } from 'zapier-platform-core';
import {
  parseWebhookEventLeniently,
  samples,
  type EventsAnswer,
  type WebhookEventName,
  type WebhookWithSecretAnswer,
} from '@spir-webhooks/shared-types';
import { apiUrl, getJson } from '../api';
import { isFirstDelivery, verifyHookRequest } from '../verifyHookRequest';
import { availabilityLinkField, selectedLink } from './availabilityLinks';
import { outputFieldsFor, toZapierItem, type ZapierItem } from '../zapierItem';
import { deviatingItemOf } from '../flattenPayload';

interface TriggerText {
  /** Zapier's trigger key. */
  key: string;
  noun: string;
  label: string;
  description: string;
}

/**
 * A REST-hook trigger for one Spir event name. Turning a Zap on registers its Zapier URL as a
 * webhook of the team (keeping the id and signing secret in subscribeData); turning it off
 * deletes that webhook.
 */
export function makeHookTrigger(eventName: WebhookEventName, text: TriggerText) {
  const sample = toZapierItem(samples[eventName]);

  // A subscription, not a registered endpoint: it does not take the team's one URL per event,
  // and Spir removes it when Zapier answers 410 Gone (the Zap was turned off or deleted).
  const performSubscribe = async (z: ZObject, bundle: Bundle): Promise<WebhookWithSecretAnswer> => {
    const link = selectedLink(bundle);
    const response = await z.request({
      url: apiUrl('/v1/webhooks'),
      method: 'POST',
      body: {
        url: bundle.targetUrl,
        event: eventName,
        kind: 'subscription',
        ...(link === undefined ? {} : { availabilityLinks: [link] }),
      },
    });
    return response.data as WebhookWithSecretAnswer;
  };

  const performUnsubscribe = async (z: ZObject, bundle: Bundle): Promise<object> => {
    const id = bundle.subscribeData?.id;
    if (id === undefined)
      throw new z.errors.Error('This Zap has no Spir subscription to remove.', 'missing_subscription', 400);
    // Already gone (deleted in Spir, say) is what unsubscribing wants.
    const response = await z.request({
      url: apiUrl(`/v1/webhooks/${encodeURIComponent(id)}`),
      method: 'DELETE',
      skipThrowForStatus: true,
    });
    // 401: the key was revoked. The subscription stays in Spir until Zapier answers its next
    // delivery with 410 Gone, which removes it; nothing is left for this Zap to do.
    if (response.status !== 204 && response.status !== 404 && response.status !== 401) {
      throw new z.errors.Error(
        `Spir could not remove this Zap's webhook (HTTP ${response.status}): ${response.content}`,
        'unsubscribe_failed',
        response.status,
      );
    }
    return {};
  };

  const perform = async (z: ZObject, bundle: Bundle): Promise<ZapierItem[]> => {
    const result = await verifyHookRequest(z, bundle);
    // Acknowledge and ignore event names this version does not know, or meant for another trigger.
    if (result.kind === 'unknown' || result.event.webhookEventName !== eventName) return [];
    const subscriptionId = (bundle.subscribeData as { id?: string } | undefined)?.id ?? 'unsubscribed';
    if (!(await isFirstDelivery(z, subscriptionId, result.event.webhookEventId))) return [];
    return [result.kind === 'deviating' ? deviatingItemOf(result.event) : toZapierItem(result.event)];
  };

  // Samples for the Zap editor: only events this Zap would receive (template links, its link).
  const performList = async (z: ZObject, bundle: Bundle): Promise<ZapierItem[]> => {
    const link = selectedLink(bundle);
    const query = `name=${encodeURIComponent(eventName)}&limit=3${link === undefined ? '' : `&availabilityLink=${encodeURIComponent(link)}`}`;
    const { data } = await getJson<EventsAnswer>(z, `/v1/events?${query}`);
    return data.flatMap((envelope) => {
      const result = parseWebhookEventLeniently(envelope);
      return result.kind === 'event' ? [toZapierItem(result.event)] : [];
    });
  };

  return {
    key: text.key,
    noun: text.noun,
    display: { label: text.label, description: text.description },
    operation: {
      type: 'hook' as const,
      inputFields: [availabilityLinkField],
      perform,
      performList,
      performSubscribe,
      performUnsubscribe,
      sample,
      outputFields: outputFieldsFor(sample),
    },
  } satisfies Trigger;
}
