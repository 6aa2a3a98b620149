/**
 * Each webhook's limit of attempts in flight, like TCP's slow start: a webhook starts with one,
 * gains one with every answer up to the configured limit, and drops back to one when an attempt
 * times out. A hung endpoint therefore holds one connection, never the whole limit, even when a
 * burst of its events arrives at once.
 */
export const initialWebhookLimit = 1;

/** The limit after one attempt: any answer (even a 500) grows it; a timeout drops it to one. */
export function nextWebhookLimit(
  current: number,
  attempt: { answered: boolean; timedOut: boolean },
  configuredLimit: number,
): number {
  if (attempt.timedOut) return initialWebhookLimit;
  return attempt.answered ? Math.min(configuredLimit, current + 1) : current;
}

/** The limits of the webhooks one worker sends to; those still at the initial limit are not kept. */
export class WebhookLimits {
  private readonly moved = new Map<string, number>();

  constructor(
    private readonly configuredLimit: number,
    private readonly maxKept = 50_000,
  ) {}

  of(webhookId: string): number {
    return this.moved.get(webhookId) ?? initialWebhookLimit;
  }

  /**
   * How many of the webhook's attempts may be in flight for the ingest handoff to start one more.
   * One slot of the limit is left to claims, so that deliveries already waiting in the store
   * (retries, a backlog) are never starved by fresh ones; but a webhook at one that can still
   * grow (new to this worker, or timing out) lets the handoff take that slot, or a new webhook's
   * first delivery would always wait for a claim, and a dispatcher sharing PostgreSQL with others
   * would rarely get to grow one at all.
   */
  handoffRoom(webhookId: string): number {
    const limit = this.of(webhookId);
    return limit === 1 && this.configuredLimit > 1 ? 1 : limit - 1;
  }

  /** Webhooks whose limit is not the initial one, and that limit (what a claim needs to know). */
  get changed(): ReadonlyMap<string, number> {
    return this.moved;
  }

  afterAttempt(webhookId: string, attempt: { answered: boolean; timedOut: boolean }): void {
    const next = nextWebhookLimit(this.of(webhookId), attempt, this.configuredLimit);
    this.moved.delete(webhookId);
    if (next !== initialWebhookLimit) this.moved.set(webhookId, next);
    // Bounded: the least recently adjusted webhooks fall back to the initial limit.
    if (this.moved.size > this.maxKept) this.moved.delete(this.moved.keys().next().value as string);
  }

  /**
   * In-flight counts as a claim sees them. The claim gives every webhook `initialWebhookLimit`
   * slots minus its count, so a webhook whose limit has grown counts as that much emptier.
   */
  inFlightAsClaimed(inFlightByWebhook: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
    const view = new Map(inFlightByWebhook);
    for (const [webhookId, limit] of this.moved) {
      const adjusted = (view.get(webhookId) ?? 0) - (limit - initialWebhookLimit);
      if (adjusted === 0) view.delete(webhookId);
      else view.set(webhookId, adjusted);
    }
    return view;
  }
}
