import type { Bundle, ZObject } from 'zapier-platform-core';
import {
  parseWebhookEventLeniently,
  verifyWebhook,
  WebhookPayloadError,
  WebhookVerificationError,
  type LenientParseResult,
} from '@spir-webhooks/shared-types';

const signatureHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

/** Zapier hands raw headers over as `Http-Webhook-Id`; the signature library wants `webhook-id`. */
function plainHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) plain[name.toLowerCase().replace(/^http-/, '')] = value;
  return plain;
}

/**
 * Checks that a hook call really comes from Spir, signed with the secret this Zap's
 * subscription received, and parses it leniently. Whenever Zapier passes the raw request with
 * headers, a valid Standard Webhooks signature is required: a request without one is refused
 * like a forged one. Only when no raw request is available does it fall back to the parsed body.
 */
export function verifyHookRequest(z: ZObject, bundle: Bundle): Exclude<LenientParseResult, { kind: 'invalid' }> {
  const raw = bundle.rawRequest;
  const headers = plainHeaders(raw?.headers);
  if (raw !== undefined && Object.keys(headers).length > 0) {
    const secret = (bundle.subscribeData as { secret?: string } | undefined)?.secret;
    if (secret === undefined)
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
    try {
      return verifyWebhook({ secret, body: raw.content ?? '', headers });
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
