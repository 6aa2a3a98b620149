import type { Bundle, ZObject } from 'zapier-platform-core';
import {
  parseWebhookEventLeniently,
  verifyWebhook,
  WebhookPayloadError,
  WebhookVerificationError,
  type LenientParseResult,
  type SecretsAnswer,
} from '@spir-webhooks/shared-types';
import { getJson } from './api';

const signatureHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

/**
 * Zapier may run a Zap well after the request arrived (a held or replayed run), so signatures are
 * accepted up to a week old; a replay is still refused, by `isFirstDelivery`'s de-duplication.
 */
const maxSignatureAgeSeconds = 7 * 24 * 3600;

/** Zapier hands raw headers over as `Http-Webhook-Id`; the signature library wants `webhook-id`. */
function plainHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) plain[name.toLowerCase().replace(/^http-/, '')] = value;
  return plain;
}

type Verified = Exclude<LenientParseResult, { kind: 'invalid' }>;

/**
 * Checks that a hook call really comes from Spir, signed with this Zap's subscription secret,
 * and parses it leniently. Whenever Zapier passes the raw request with headers, a valid Standard
 * Webhooks signature is required: a request without one is refused like a forged one. When the
 * secret this Zap kept no longer verifies (the team rotated it), the subscription's current
 * secrets are fetched from Spir and tried: a forged request still fails them all. Only when no
 * raw request is available does it fall back to the parsed body.
 */
export async function verifyHookRequest(z: ZObject, bundle: Bundle): Promise<Verified> {
  const raw = bundle.rawRequest;
  const headers = plainHeaders(raw?.headers);
  if (raw !== undefined && Object.keys(headers).length > 0) {
    const { secret, id } = (bundle.subscribeData ?? {}) as { secret?: string; id?: string };
    if (secret === undefined || id === undefined)
      throw new z.errors.Error(
        "This Zap's subscription has no signing secret; turn the Zap off and on again.",
        'missing_secret',
        400,
      );
    if (!signatureHeaders.every((name) => headers[name] !== undefined)) {
      throw new z.errors.HaltedError(
        'Refused a request without a Spir signature (webhook-id, webhook-timestamp, webhook-signature).',
      );
    }
    const body = raw.content ?? '';
    const verify = (withSecret: string) =>
      verifyWebhook({ secret: withSecret, body, headers, maxAgeSeconds: maxSignatureAgeSeconds });
    try {
      try {
        return verify(secret);
      } catch (error) {
        if (!(error instanceof WebhookVerificationError) || !/signature/i.test(error.message)) throw error;
        const { secrets } = await getJson<SecretsAnswer>(z, `/v1/webhooks/${encodeURIComponent(id)}/secret`);
        for (const current of secrets.map((entry) => entry.secret).filter((value) => value !== secret)) {
          try {
            return verify(current);
          } catch (retry) {
            if (!(retry instanceof WebhookVerificationError)) throw retry;
          }
        }
        throw error;
      }
    } catch (error) {
      if (error instanceof WebhookVerificationError)
        throw new z.errors.HaltedError(`Refused a request whose Spir signature does not verify: ${error.message}.`);
      if (error instanceof WebhookPayloadError) throw new z.errors.Error(error.message, 'invalid_payload', 400);
      throw error;
    }
  }
  const result = parseWebhookEventLeniently(bundle.cleanedRequest);
  if (result.kind === 'invalid')
    throw new z.errors.Error(
      `The request does not meet Spir's webhook contract: ${result.message}`,
      'invalid_payload',
      400,
    );
  return result;
}

/** A week: longer than any redelivery or resend of one event is expected to come. */
const deduplicationSeconds = 7 * 24 * 3600;

/**
 * True the first time this Zap's subscription sees `webhookEventId`. Zapier de-duplicates only
 * polling triggers, so a hook trigger must itself drop a redelivery (at least once) or a resend,
 * or the Zap would run twice. Keyed by subscription: two Zaps on one event both run.
 */
export async function isFirstDelivery(z: ZObject, subscriptionId: string, webhookEventId: string): Promise<boolean> {
  const key = `spir-webhooks:seen:${subscriptionId}:${webhookEventId}`;
  if ((await z.cache.get(key)) !== null) return false;
  // `nx`: only one of two runs racing on the same id gets true.
  return (await z.cache.set(key, true, deduplicationSeconds, undefined, true)) !== false;
}
