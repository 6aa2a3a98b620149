import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { NewWebhook, WebhookRow } from '../storeTypes';
import type { WebhooksStore } from '../store';

/** Webhooks and their secrets, on the embedded engine. */
export function sqliteWebhooks(
  db: Database.Database,
  sql: Record<StatementName, Statement>,
  durable: <T>(value: T) => Promise<T>,
): WebhooksStore {
  return {
    async rewriteWebhookSecrets(transform: (stored: string) => string): Promise<number> {
      const changed = db
        .transaction(() => {
          let count = 0;
          const rows = sql.allWebhookSecrets.all() as {
            id: string;
            secret: string;
            previous_secret: string | null;
          }[];
          for (const row of rows) {
            const secret = transform(row.secret);
            const previous = row.previous_secret === null ? null : transform(row.previous_secret);
            if (secret === row.secret && previous === row.previous_secret) continue;
            sql.setWebhookSecrets.run(secret, previous, row.id);
            count++;
          }
          return count;
        })
        .immediate();
      return durable(changed);
    },

    async createWebhook(webhook: NewWebhook): Promise<WebhookRow | 'limit_reached'> {
      return durable(
        db
          .transaction((): WebhookRow | 'limit_reached' => {
            const { live, max } = sql.countLiveWebhooks.get({
              team_id: webhook.teamId,
              event_name: webhook.eventName,
              kind: webhook.kind,
            }) as { live: number; max: number };
            if (live >= max) return 'limit_reached';
            return sql.insertWebhook.get({
              id: webhook.id,
              team_id: webhook.teamId,
              url: webhook.url,
              event_name: webhook.eventName,
              secret: webhook.secret,
              created_at: webhook.createdAt,
              kind: webhook.kind,
              availability_links:
                webhook.availabilityLinks === undefined ? null : JSON.stringify(webhook.availabilityLinks),
            }) as WebhookRow;
          })
          .immediate(),
      );
    },

    async listWebhooks(teamId: string): Promise<WebhookRow[]> {
      return sql.listWebhooks.all(teamId) as WebhookRow[];
    },

    async getWebhook(teamId: string, id: string): Promise<WebhookRow | undefined> {
      return sql.getWebhook.get(id, teamId) as WebhookRow | undefined;
    },

    async deleteWebhook(teamId: string, id: string, now: number): Promise<boolean> {
      return durable(
        db
          .transaction(() => {
            const deleted = sql.deleteWebhook.run(now, id, teamId).changes > 0;
            if (deleted) sql.cancelPendingDeliveriesOfWebhook.run(now, id);
            return deleted;
          })
          .immediate(),
      );
    },

    async rotateWebhookSecret(
      teamId: string,
      id: string,
      secret: string,
      previousExpiresAt: number,
    ): Promise<WebhookRow | undefined> {
      return durable(sql.rotateWebhookSecret.get(secret, previousExpiresAt, id, teamId) as WebhookRow | undefined);
    },

    /**
     * Group commit: events that arrive within a couple of milliseconds are committed together,
     * and each caller is answered only once that commit is synced (one fsync for all of them).
     */
  };
}
