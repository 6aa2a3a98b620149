/**
 * Each webhook's limit of attempts in flight, like TCP's slow start: a webhook starts with two,
 * gains one with every answer up to the configured limit, and drops to one when an attempt times
 * out, so that a hung endpoint holds one connection rather than the whole limit.
 */
export function initialWebhookLimit(configuredLimit: number): number {
  return Math.min(2, configuredLimit);
}

/** The limit after one attempt: any answer (even a 500) grows it; a timeout drops it to one. */
export function nextWebhookLimit(
  current: number,
  attempt: { answered: boolean; timedOut: boolean },
  configuredLimit: number,
): number {
  if (attempt.timedOut) return 1;
  return attempt.answered ? Math.min(configuredLimit, current + 1) : current;
}
