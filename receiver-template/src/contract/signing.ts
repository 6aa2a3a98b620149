// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseWebhookEventLeniently, type LenientParseResult } from './lenientParse';

/**
 * Standard Webhooks v1 signing, as a thin layer over the `standardwebhooks` package: the HMAC
 * itself is never written here.
 */

export { WebhookVerificationError };

/** The body was signed correctly but does not meet the contract (a 400, not a 401). */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}

export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export const webhookSecretPattern = /^whsec_[A-Za-z0-9+/]{43}=$/;

/** A new secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface SignOptions {
  /** `webhookEventId`, identical on every retry and resend. */
  webhookEventId: string;
  /** The exact bytes that go on the wire. */
  body: string;
  /** The time of this attempt; `webhook-timestamp` is its Unix seconds. */
  timestamp: Date;
  /**
   * The secrets to sign with, current first. While a rotated secret's old value is still
   * valid both signatures are sent, space-separated, so that receivers can switch at leisure.
   */
  secrets: readonly string[];
}

export function signWebhook({ webhookEventId, body, timestamp, secrets }: SignOptions): SignatureHeaders {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  return {
    'webhook-id': webhookEventId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => webhookFor(secret).sign(webhookEventId, timestamp, body)).join(' '),
  };
}

// Decoding a secret costs a base64 pass; a dispatcher signs with the same few secrets all day.
const webhooksBySecret = new Map<string, Webhook>();
function webhookFor(secret: string): Webhook {
  let webhook = webhooksBySecret.get(secret);
  if (webhook === undefined) {
    webhook = new Webhook(secret);
    if (webhooksBySecret.size >= 10_000) webhooksBySecret.clear();
    webhooksBySecret.set(secret, webhook);
  }
  return webhook;
}

export type HeaderBag = Record<string, string | readonly string[] | undefined>;

export interface VerifyOptions {
  /** The endpoint's secret (`whsec_...`). */
  secret: string;
  /** The raw body exactly as received: never a re-serialised object. */
  body: string | Buffer;
  /** The request headers; names are matched without regard to case. */
  headers: HeaderBag;
  /**
   * How old a signature may be, in seconds; 300 (Standard Webhooks' own limit) unless given.
   * Only a consumer that processes requests late and refuses replays another way (such as the
   * Zapier app, which de-duplicates on webhookEventId) should raise it.
   */
  maxAgeSeconds?: number;
}

const standardToleranceSeconds = 5 * 60;

/**
 * The signature check for a timestamp older than Standard Webhooks' five minutes: the same
 * signature, computed by the `standardwebhooks` package's own `sign`, compared in constant time.
 */
function verifyLateSignature(secret: string, body: string, flat: Record<string, string>, maxAgeSeconds: number): void {
  const id = flat['webhook-id'];
  const timestamp = Number(flat['webhook-timestamp']);
  const signatures = (flat['webhook-signature'] ?? '').split(' ');
  if (id === undefined || !Number.isInteger(timestamp) || signatures.length === 0)
    throw new WebhookVerificationError('Missing required headers');
  const age = Date.now() / 1000 - timestamp;
  if (age > maxAgeSeconds) throw new WebhookVerificationError('Message timestamp too old');
  if (age < -standardToleranceSeconds) throw new WebhookVerificationError('Message timestamp too new');
  const expected = Buffer.from(webhookFor(secret).sign(id, new Date(timestamp * 1000), body));
  const matches = signatures.some((signature) => {
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError('No matching signature found');
}

/**
 * Checks the signature and the timestamp (at most 5 minutes off, or `maxAgeSeconds` old), then
 * parses the body leniently.
 * Throws `WebhookVerificationError` for a missing header, a bad signature or a stale timestamp,
 * and `WebhookPayloadError` for a correctly signed body that is no deliverable event. An event
 * name unknown to this version comes back as `{ kind: 'unknown' }` (acknowledge it and move on);
 * a known event whose fields differ from the typed contract as `{ kind: 'deviating' }`.
 */
export function verifyWebhook({
  secret,
  body,
  headers,
  maxAgeSeconds = standardToleranceSeconds,
}: VerifyOptions): Exclude<LenientParseResult, { kind: 'invalid' }> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = typeof value === 'string' ? value : value.join(' ');
  }
  const age = Date.now() / 1000 - Number(flat['webhook-timestamp']);
  if (maxAgeSeconds > standardToleranceSeconds && age > standardToleranceSeconds) {
    verifyLateSignature(secret, body.toString(), flat, maxAgeSeconds);
  } else {
    new Webhook(secret).verify(body, flat, { jsonParse: false });
  }

  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch (error) {
    throw new WebhookPayloadError(`body is not JSON: ${(error as Error).message}`);
  }
  const result = parseWebhookEventLeniently(json);
  if (result.kind === 'invalid') throw new WebhookPayloadError(`body does not meet the contract: ${result.message}`);
  const bodyId = result.kind === 'unknown' ? result.webhookEventId : result.event.webhookEventId;
  if (bodyId !== flat['webhook-id']) {
    throw new WebhookPayloadError("webhook-id header differs from the body's webhookEventId");
  }
  return result;
}
