import type { Bundle, Trigger, ZObject } from 'zapier-platform-core';
import { parseWebhookEventLeniently, samples, type WebhookEventName } from '@spir-webhooks/shared-types';
import { apiUrl, getJson } from '../api';
import { verifyHookRequest } from '../verifyHookRequest';
import { outputFieldsFor, toZapierItem, type ZapierItem } from '../zapierItem';

interface TriggerText {
  /** Zapier's trigger key. */
  key: string;
  noun: string;
  label: string;
  description: string;
}

export interface CreatedWebhook {
  id: string;
  url: string;
  event: string;
  secret: string;
  createdAt: string;
}

/**
 * A REST-hook trigger for one Spir event name. Turning a Zap on registers its Zapier URL as a
 * webhook of the team (keeping the id and signing secret in subscribeData); turning it off
 * deletes that webhook.
 */
export function makeHookTrigger(eventName: WebhookEventName, text: TriggerText) {
  const sample = toZapierItem(samples[eventName]);

  const performSubscribe = async (z: ZObject, bundle: Bundle): Promise<CreatedWebhook> => {
    const response = await z.request({
      url: apiUrl('/v1/webhooks'),
      method: 'POST',
      body: { url: bundle.targetUrl, event: eventName },
    });
    return response.data as CreatedWebhook;
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
    if (response.status !== 204 && response.status !== 404) {
      throw new z.errors.Error(
        `Spir could not remove this Zap's webhook (HTTP ${response.status}): ${response.content}`,
        'unsubscribe_failed',
        response.status,
      );
    }
    return {};
  };

  const perform = async (z: ZObject, bundle: Bundle): Promise<ZapierItem[]> => {
    const result = verifyHookRequest(z, bundle);
    // Acknowledge and ignore event names this version does not know, or meant for another trigger.
    if (result.kind === 'unknown' || result.event.webhookEventName !== eventName) return [];
    return [toZapierItem(result.event)];
  };

  const performList = async (z: ZObject): Promise<ZapierItem[]> => {
    const { data } = await getJson<{ data: unknown[] }>(z, `/v1/events?name=${encodeURIComponent(eventName)}&limit=3`);
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
      perform,
      performList,
      performSubscribe,
      performUnsubscribe,
      sample,
      outputFields: outputFieldsFor(sample),
    },
  } satisfies Trigger;
}
