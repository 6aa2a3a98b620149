import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type {
  ApiKeyRow,
  AuthenticatedKey,
  ConsoleLinkRow,
  ConsoleSessionTeam,
  NewApiKey,
  NewConsoleSession,
  NewTeam,
  TeamRow,
} from '../storeTypes';
import type { WalSync } from './walSync';

/** Teams, their API keys and console sign-ins, on the embedded engine. */
export function sqliteTeams(
  sql: Record<StatementName, Statement>,
  walSync: WalSync,
  durable: <T>(value: T) => Promise<T>,
) {
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

    async addConsoleLink(link: {
      tokenHash: string;
      teamId: string;
      returnTo: string | null;
      now: number;
      expiresAt: number;
    }): Promise<void> {
      sql.insertConsoleLink.run({
        token_hash: link.tokenHash,
        team_id: link.teamId,
        return_to: link.returnTo,
        now: link.now,
        expires_at: link.expiresAt,
      });
      await walSync.sync();
    },

    async findConsoleLink(tokenHash: string): Promise<ConsoleLinkRow | undefined> {
      return sql.findConsoleLink.get(tokenHash) as ConsoleLinkRow | undefined;
    },

    async useConsoleLink(
      tokenHash: string,
      now: number,
    ): Promise<{ team_id: string; return_to: string | null } | undefined> {
      return durable(
        sql.useConsoleLink.get({ token_hash: tokenHash, now }) as
          { team_id: string; return_to: string | null } | undefined,
      );
    },

    async addConsoleSession(session: NewConsoleSession): Promise<void> {
      sql.insertConsoleSession.run({
        id_hash: session.idHash,
        team_id: session.teamId,
        csrf_token: session.csrfToken,
        now: session.now,
        expires_at: session.expiresAt,
        api_key_id: session.apiKeyId,
      });
      await walSync.sync();
    },

    async findConsoleSession(idHash: string, now: number): Promise<ConsoleSessionTeam | undefined> {
      return sql.findConsoleSession.get({ id_hash: idHash, now }) as ConsoleSessionTeam | undefined;
    },

    async deleteConsoleSession(idHash: string): Promise<void> {
      sql.deleteConsoleSession.run(idHash);
      await walSync.sync();
    },

    async deleteTeamConsoleSessions(teamId: string): Promise<number> {
      return durable(sql.deleteTeamConsoleSessions.run(teamId).changes);
    },
  };
}
