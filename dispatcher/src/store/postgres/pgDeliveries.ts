import { attemptRowsSelect } from '../answerStorage';
import type { Pool } from 'pg';
import type { AttemptRow, DeliveryRow, ListedDelivery, WebhookRow } from '../storeTypes';
import type { DeliveriesStore } from '../store';
import { webhookHealthParams, webhookHealthSql, type WebhookHealthRow } from '../webhookHealthSql';
import { deliveryListSql } from '../teamReadsSql';
import { resendRefusal } from '../resendRule';
import { pgDialect, query, transaction } from './pgConnection';
import { recordTestSend } from './pgAttempts';

/** Deliveries and their attempts as a team reads them, and a resend, on PostgreSQL. */
export function pgDeliveries(pool: Pool): DeliveriesStore {
  return {
    async listDeliveries(filter) {
      const read = deliveryListSql(filter, pgDialect);
      return read === undefined ? [] : query<ListedDelivery>(pool, read.sql, read.params);
    },
    async getDelivery(teamId, id) {
      const [row] = await query<DeliveryRow>(pool, 'SELECT * FROM deliveries WHERE id = $1 AND team_id = $2', [
        id,
        teamId,
      ]);
      return row;
    },
    listAttempts: (deliveryId) =>
      query<AttemptRow>(
        pool,
        `${attemptRowsSelect} WHERE a.delivery_id = $1 ORDER BY a.round, a.attempt_number, a.id`,
        [deliveryId],
      ),
    webhookHealth: (teamId, since) =>
      query<WebhookHealthRow>(
        pool,
        webhookHealthSql((n) => `$${n}`),
        webhookHealthParams(teamId, since),
      ),
    resendDelivery: (teamId, id, now) => resendDelivery(pool, teamId, id, now),
    recordTestSend: (send) => recordTestSend(pool, send),
  };
}

async function resendDelivery(
  pool: Pool,
  teamId: string,
  id: string,
  now: number,
): Promise<DeliveryRow | 'not_found' | 'in_progress' | 'webhook_deleted'> {
  return transaction(pool, async (client) => {
    const [delivery] = await query<DeliveryRow>(
      client,
      'SELECT * FROM deliveries WHERE id = $1 AND team_id = $2 FOR UPDATE',
      [id, teamId],
    );
    const [webhook] =
      delivery === undefined
        ? []
        : await query<WebhookRow>(client, 'SELECT * FROM webhooks WHERE id = $1', [delivery.webhook_id]);
    const refusal = resendRefusal(delivery, webhook);
    if (refusal !== undefined) return refusal;
    const [resent] = await query<DeliveryRow>(
      client,
      `UPDATE deliveries SET status = 'pending', round = round + 1, attempts_in_round = 0, next_attempt_at = $1,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
       WHERE id = $2 AND team_id = $3 AND status IN ('succeeded', 'failed') RETURNING *`,
      [now, id, teamId],
    );
    if (resent !== undefined) await query(client, 'NOTIFY spir_deliveries_due');
    return resent ?? 'in_progress';
  });
}
