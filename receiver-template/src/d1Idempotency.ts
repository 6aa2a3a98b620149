import { idempotencyWindowMs, type IdempotencyStore } from './idempotency';

/** The part of Cloudflare's D1 binding this store uses (`env.IDEMPOTENCY_DB`, see wrangler.toml). */
export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
}
interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  first(): Promise<unknown>;
  run(): Promise<unknown>;
}

/**
 * Handled ids in Cloudflare D1, shared by every isolate of a Worker: a retry that reaches another
 * isolate, or another location, is still seen as handled. D1 rather than KV: a D1 read after a
 * write is consistent, while a KV write can take a minute or more to be seen elsewhere, longer than
 * Spir's 10 s between attempts. The table is created on first use, so no migration step is needed.
 */
export class D1IdempotencyStore implements IdempotencyStore {
  private ready: Promise<unknown> | undefined;
  private remembered = 0;

  constructor(
    private readonly db: D1Database,
    private readonly now: () => number = Date.now,
    private readonly windowMs = idempotencyWindowMs,
  ) {}

  private table(): Promise<unknown> {
    this.ready ??= this.db
      .prepare('CREATE TABLE IF NOT EXISTS handled_webhooks (webhook_id TEXT PRIMARY KEY, handled_at INTEGER NOT NULL)')
      .run()
      .catch((error: unknown) => {
        this.ready = undefined; // try again on the next request
        throw error;
      });
    return this.ready;
  }

  async has(webhookId: string): Promise<boolean> {
    await this.table();
    const row = await this.db
      .prepare('SELECT 1 AS handled FROM handled_webhooks WHERE webhook_id = ? AND handled_at > ?')
      .bind(webhookId, this.now() - this.windowMs)
      .first();
    return row !== null;
  }

  async remember(webhookId: string): Promise<void> {
    await this.table();
    // One atomic statement: two isolates finishing the same id at once leave one row.
    await this.db
      .prepare(
        'INSERT INTO handled_webhooks (webhook_id, handled_at) VALUES (?, ?) ' +
          'ON CONFLICT (webhook_id) DO UPDATE SET handled_at = excluded.handled_at',
      )
      .bind(webhookId, this.now())
      .run();
    if (++this.remembered % 1_000 === 0) {
      await this.db
        .prepare('DELETE FROM handled_webhooks WHERE handled_at <= ?')
        .bind(this.now() - this.windowMs)
        .run();
    }
  }

  async close(): Promise<void> {}
}
