/**
 * Remembers which webhook-ids were handled, so that a retry or resend of an event that was
 * already handled is acknowledged without running the handler again. Asynchronous, so that a
 * store across instances (Cloudflare KV or a Durable Object, Redis, a SQL table) fits behind it.
 */
export interface IdempotencyStore {
  has(webhookId: string): Promise<boolean>;
  remember(webhookId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Ids are kept at least this long: far beyond Spir's retry window (5 attempts, 10 s apart, 30 s
 * each: under 3 minutes), and long enough to cover a manual resend on the same day.
 */
export const idempotencyWindowMs = 24 * 3600_000;

/**
 * In memory, bounded: at most `maxEntries` ids, the oldest dropped first, each kept for
 * `windowMs`. Lost on restart, and not shared between instances: at the edge, each isolate has
 * its own (README, "Idempotency at the edge").
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
    private readonly windowMs = idempotencyWindowMs,
  ) {}

  async has(webhookId: string): Promise<boolean> {
    const at = this.seen.get(webhookId);
    return at !== undefined && this.now() - at < this.windowMs;
  }

  async remember(webhookId: string): Promise<void> {
    this.seen.delete(webhookId);
    this.seen.set(webhookId, this.now());
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  async close(): Promise<void> {
    this.seen.clear();
  }
}
