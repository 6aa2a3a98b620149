import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Remembers which webhook-ids were handled, so that a retry or resend of an event that was
 * already handled is acknowledged without running the handler again.
 */
export interface IdempotencyStore {
  has(webhookId: string): boolean;
  remember(webhookId: string): void;
  close(): void;
}

/**
 * Ids are kept at least this long: far beyond Spir's retry window (5 attempts, 10 s apart, 30 s
 * each: under 3 minutes), and long enough to cover a manual resend on the same day.
 */
export const idempotencyWindowMs = 24 * 3600_000;

/**
 * In memory, bounded: at most `maxEntries` ids, the oldest dropped first, each kept for
 * `windowMs`. Lost on restart, and not shared between instances.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
    private readonly windowMs = idempotencyWindowMs,
  ) {}

  has(webhookId: string): boolean {
    const at = this.seen.get(webhookId);
    return at !== undefined && this.now() - at < this.windowMs;
  }

  remember(webhookId: string): void {
    this.seen.delete(webhookId);
    this.seen.set(webhookId, this.now());
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  close(): void {
    this.seen.clear();
  }
}

/** A SQLite file: survives restarts of a single instance (not shared between instances). */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly db: Database.Database;
  private readonly hasStatement;
  private readonly rememberStatement;
  private readonly purgeStatement;
  private remembered = 0;

  constructor(
    path: string,
    private readonly now: () => number = Date.now,
    private readonly windowMs = idempotencyWindowMs,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS handled_webhooks (webhook_id TEXT PRIMARY KEY, handled_at INTEGER NOT NULL)',
    );
    this.hasStatement = this.db.prepare('SELECT 1 FROM handled_webhooks WHERE webhook_id = ? AND handled_at > ?');
    this.rememberStatement = this.db.prepare(
      'INSERT OR REPLACE INTO handled_webhooks (webhook_id, handled_at) VALUES (?, ?)',
    );
    this.purgeStatement = this.db.prepare('DELETE FROM handled_webhooks WHERE handled_at <= ?');
  }

  has(webhookId: string): boolean {
    return this.hasStatement.get(webhookId, this.now() - this.windowMs) !== undefined;
  }

  remember(webhookId: string): void {
    this.rememberStatement.run(webhookId, this.now());
    if (++this.remembered % 1_000 === 0) this.purgeStatement.run(this.now() - this.windowMs);
  }

  close(): void {
    this.db.close();
  }
}
