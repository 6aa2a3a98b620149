import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { ApiKeyRow, AuthenticatedKey, NewApiKey, NewTeam, TeamRow } from '../storeTypes';
import type { TeamsStore } from '../store';

/** Teams and their API keys, on the embedded engine. */
export function sqliteTeams(sql: Record<StatementName, Statement>, durable: <T>(value: T) => Promise<T>): TeamsStore {
  return {
    async upsertTeam(team: NewTeam): Promise<TeamRow> {
      return durable(
        sql.upsertTeam.get({
          team_id: team.teamId,
          name: team.name,
          admin_emails: JSON.stringify(team.adminEmails),
          max_urls_per_event: team.maxUrlsPerEvent,
          max_subscriptions_per_event: team.maxSubscriptionsPerEvent,
          language: team.language,
          now: team.now,
        }) as TeamRow,
      );
    },

    async getTeam(teamId: string): Promise<TeamRow | undefined> {
      return sql.getTeam.get(teamId) as TeamRow | undefined;
    },

    async addApiKey(key: NewApiKey): Promise<ApiKeyRow> {
      return durable(
        sql.addApiKey.get({
          key_hash: key.keyHash,
          team_id: key.teamId,
          created_at: key.createdAt,
          id: key.id,
          prefix: key.prefix,
          label: key.label,
          scope: key.scope,
          expires_at: key.expiresAt,
        }) as ApiKeyRow,
      );
    },

    async listApiKeys(teamId: string): Promise<ApiKeyRow[]> {
      return sql.listApiKeys.all(teamId) as ApiKeyRow[];
    },

    async revokeApiKey(teamId: string, keyId: string): Promise<boolean> {
      const revoked = sql.revokeApiKey.run(teamId, keyId).changes > 0;
      if (revoked) sql.deleteKeyConsoleSessions.run(keyId);
      return durable(revoked);
    },

    async findApiKey(keyHash: string): Promise<AuthenticatedKey | undefined> {
      return sql.findApiKey.get(keyHash) as AuthenticatedKey | undefined;
    },

    async touchApiKey(keyId: string, now: number): Promise<void> {
      sql.touchApiKey.run(now, keyId);
    },
  };
}
