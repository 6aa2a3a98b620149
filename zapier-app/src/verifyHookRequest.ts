import type { Bundle, ZObject } from 'zapier-platform-core';
import {
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
 * What a hook call must carry to be verified. Zapier documents `bundle.rawRequest` as present in
 * a webhook's `perform` (the body as the string `content`, headers renamed `Http-Webhook-Id`),
 * but types it optional and every field partial; `cleanedRequest` is the parsed body, whose bytes
 * no longer match the signature. So a call without the raw body or its signature headers cannot
 * be verified, and is refused rather than trusted.
 */
function signedParts(z: ZObject, bundle: Bundle): { body: string; headers: Record<string, string> } {
  const raw = bundle.rawRequest;
  if (raw === undefined || typeof raw.content !== 'string')
    throw new z.errors.Error(
      'Refused a hook call that Zapier passed without its raw request (bundle.rawRequest.content): ' +
        "its Spir signature cannot be checked, and an unchecked call could be forged. If this repeats, Zapier's hook " +
        'handling changed: contact Spir support.',
      'unverifiable_request',
      400,
    );
  const headers = plainHeaders(raw.headers);
  if (!signatureHeaders.every((name) => headers[name] !== undefined))
    throw new z.errors.HaltedError(
      'Refused a request without a Spir signature (webhook-id, webhook-timestamp, webhook-signature).',
    );
  return { body: raw.content, headers };
}

/**
 * Checks that a hook call really comes from Spir, signed with this Zap's subscription secret,
 * and parses it leniently from the verified bytes. There is no path that skips the check: a call
 * without a raw request, without signature headers or without a valid signature is refused. When
 * the secret this Zap kept no longer verifies (the team rotated it), the subscription's current
 * secrets are fetched from Spir and tried: a forged request still fails them all.
 */
export async function verifyHookRequest(z: ZObject, bundle: Bundle): Promise<Verified> {
  const { secret, id } = (bundle.subscribeData ?? {}) as { secret?: string; id?: string };
  if (secret === undefined || id === undefined)
    throw new z.errors.Error(
      "This Zap's subscription has no signing secret; turn the Zap off and on again.",
      'missing_secret',
      400,
    );
  const { body, headers } = signedParts(z, bundle);
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
