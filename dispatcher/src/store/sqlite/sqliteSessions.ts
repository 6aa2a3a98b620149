import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { ConsoleLinkRow, ConsoleSessionTeam, NewConsoleSession } from '../storeTypes';
import type { SessionsStore } from '../store';
import type { WalSync } from './walSync';

/** Console sign-in links and sessions, on the embedded engine. */
export function sqliteSessions(
  sql: Record<StatementName, Statement>,
  walSync: WalSync,
  durable: <T>(value: T) => Promise<T>,
): SessionsStore {
  return {
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
