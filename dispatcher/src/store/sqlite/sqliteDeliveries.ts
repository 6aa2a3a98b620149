import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { AttemptRow, DeliveryRow, ListedDelivery, WebhookRow } from '../storeTypes';
import type { DeliveriesStore } from '../store';
import { webhookHealthParams, type WebhookHealthRow } from '../webhookHealthSql';
import { deliveryListSql, type TeamReadSql } from '../teamReadsSql';
import { resendRefusal } from '../resendRule';
import { sqliteDialect } from './sqliteTeamReads';
import { insertTestSend } from './sqliteQueue';

/** Deliveries and their attempts as a team reads them, and a resend, on the embedded engine. */
export function sqliteDeliveries(
  db: Database.Database,
  sql: Record<StatementName, Statement>,
  teamRead: (read: TeamReadSql) => unknown[],
  durable: <T>(value: T) => Promise<T>,
): DeliveriesStore {
  return {
    async listDeliveries(filter) {
      const read = deliveryListSql(filter, sqliteDialect);
      return read === undefined ? [] : (teamRead(read) as ListedDelivery[]);
    },

    async getDelivery(teamId, id) {
      return sql.getDelivery.get(id, teamId) as DeliveryRow | undefined;
    },

    async listAttempts(deliveryId) {
      return sql.listAttempts.all(deliveryId) as AttemptRow[];
    },

    async webhookHealth(teamId, since) {
      return sql.webhookHealth.all(...webhookHealthParams(teamId, since)) as WebhookHealthRow[];
    },

    async resendDelivery(teamId, id, now) {
      return durable(
        db
          .transaction(() => {
            const delivery = sql.getDelivery.get(id, teamId) as DeliveryRow | undefined;
            const webhook = delivery && (sql.webhookOfDelivery.get(id) as WebhookRow | undefined);
            const refusal = resendRefusal(delivery, webhook);
            if (refusal !== undefined) return refusal;
            return (
              (sql.resendDelivery.get({ id, team_id: teamId, now }) as DeliveryRow | undefined) ??
              ('in_progress' as const)
            );
          })
          .immediate(),
      );
    },

    async recordTestSend(send) {
      await durable(db.transaction(() => insertTestSend(sql, send)).immediate());
    },
  };
}
