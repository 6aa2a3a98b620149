import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { idempotencyWindowMs, type IdempotencyStore } from './idempotency';

/** A SQLite file, on Node only: survives restarts of a single instance (not shared between instances). */
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

  async has(webhookId: string): Promise<boolean> {
    return this.hasStatement.get(webhookId, this.now() - this.windowMs) !== undefined;
  }

  async remember(webhookId: string): Promise<void> {
    this.rememberStatement.run(webhookId, this.now());
    if (++this.remembered % 1_000 === 0) this.purgeStatement.run(this.now() - this.windowMs);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
