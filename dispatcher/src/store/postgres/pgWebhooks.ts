import type { Pool } from 'pg';
import type { NewWebhook, WebhookRow } from '../storeTypes';
import type { WebhooksStore } from '../store';
import { query, transaction } from './pgConnection';

/** A deleted webhook's pending deliveries, canceled ($1 the time, $2 the webhook). */
export const cancelPendingDeliveriesOfWebhook = `
  UPDATE deliveries SET status = 'canceled', lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
  WHERE webhook_id = $2 AND status = 'pending'`;

/** Webhooks and their secrets, on PostgreSQL. */
export function pgWebhooks(pool: Pool): WebhooksStore {
  return {
    async rewriteWebhookSecrets(transform: (stored: string) => string): Promise<number> {
      return transaction(pool, async (client) => {
        const rows = await query<{ id: string; secret: string; previous_secret: string | null }>(
          client,
          'SELECT id, secret, previous_secret FROM webhooks FOR UPDATE',
        );
        let count = 0;
        for (const row of rows) {
          const secret = transform(row.secret);
          const previous = row.previous_secret === null ? null : transform(row.previous_secret);
          if (secret === row.secret && previous === row.previous_secret) continue;
          await query(client, 'UPDATE webhooks SET secret = $1, previous_secret = $2 WHERE id = $3', [
            secret,
            previous,
            row.id,
          ]);
          count++;
        }
        return count;
      });
    },

    async createWebhook(webhook: NewWebhook): Promise<WebhookRow | 'limit_reached'> {
      return transaction(pool, async (client) => {
        // The team's row is the lock: two creations for one team are counted one after the other.
        const [team] = await query<{ max_urls_per_event: number; max_subscriptions_per_event: number }>(
          client,
          'SELECT max_urls_per_event, max_subscriptions_per_event FROM teams WHERE team_id = $1 FOR UPDATE',
          [webhook.teamId],
        );
        const [live] = await query<{ count: number }>(
          client,
          `SELECT count(*)::int AS count FROM webhooks
           WHERE team_id = $1 AND event_name = $2 AND kind = $3 AND deleted_at IS NULL`,
          [webhook.teamId, webhook.eventName, webhook.kind],
        );
        const max = webhook.kind === 'subscription' ? team!.max_subscriptions_per_event : team!.max_urls_per_event;
        if (live!.count >= max) return 'limit_reached';
        const [row] = await query<WebhookRow>(
          client,
          `INSERT INTO webhooks (id, team_id, url, event_name, secret, created_at, kind, availability_links)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            webhook.id,
            webhook.teamId,
            webhook.url,
            webhook.eventName,
            webhook.secret,
            webhook.createdAt,
            webhook.kind,
            webhook.availabilityLinks === undefined ? null : JSON.stringify(webhook.availabilityLinks),
          ],
        );
        return row!;
      });
    },

    listWebhooks: (teamId: string): Promise<WebhookRow[]> =>
      query<WebhookRow>(
        pool,
        'SELECT * FROM webhooks WHERE team_id = $1 AND deleted_at IS NULL ORDER BY created_at, id',
        [teamId],
      ),

    async getWebhook(teamId: string, id: string): Promise<WebhookRow | undefined> {
      const [row] = await query<WebhookRow>(
        pool,
        'SELECT * FROM webhooks WHERE id = $1 AND team_id = $2 AND deleted_at IS NULL',
        [id, teamId],
      );
      return row;
    },

    async deleteWebhook(teamId: string, id: string, now: number): Promise<boolean> {
      return transaction(pool, async (client) => {
        const deleted = await query(
          client,
          'UPDATE webhooks SET deleted_at = $1 WHERE id = $2 AND team_id = $3 AND deleted_at IS NULL RETURNING id',
          [now, id, teamId],
        );
        if (deleted.length === 0) return false;
        await query(client, cancelPendingDeliveriesOfWebhook, [now, id]);
        return true;
      });
    },

    async rotateWebhookSecret(
      teamId: string,
      id: string,
      secret: string,
      previousExpiresAt: number,
    ): Promise<WebhookRow | undefined> {
      const [row] = await query<WebhookRow>(
        pool,
        `UPDATE webhooks SET previous_secret = secret, secret = $1, previous_secret_expires_at = $2
         WHERE id = $3 AND team_id = $4 AND deleted_at IS NULL RETURNING *`,
        [secret, previousExpiresAt, id, teamId],
      );
      return row;
    },
  };
}
