import { webhookSecretPattern } from './contract/signing';

/**
 * WEBHOOK_SECRET as every runtime gives it: one or more `whsec_...` secrets separated by spaces or
 * commas (one per event registered at this URL, plus a rotated one while it still signs).
 * Undefined when the value is missing or malformed: the caller says so in its own terms.
 */
export function parseWebhookSecrets(value: string | undefined): string[] | undefined {
  const secrets = (value ?? '').split(/[\s,]+/).filter(Boolean);
  return secrets.length > 0 && secrets.every((secret) => webhookSecretPattern.test(secret)) ? secrets : undefined;
}

export const webhookSecretHint =
  'WEBHOOK_SECRET must be one or more whsec_... secrets (base64 of 32 bytes) that Spir showed when the URL was registered, separated by spaces or commas';
