/** The secret columns of a webhook row, as every engine stores them. */
export interface WebhookSecrets {
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
}

/** How long a rotated secret keeps signing beside the new one. */
export const previousSecretValidityMs = 24 * 60 * 60 * 1000;

/** The secrets an attempt signs with: the current one, and a rotated one until it expires. */
export function currentSecrets(row: WebhookSecrets, now: number): string[] {
  return row.previous_secret !== null && (row.previous_secret_expires_at ?? 0) > now
    ? [row.secret, row.previous_secret]
    : [row.secret];
}
