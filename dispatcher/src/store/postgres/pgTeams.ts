import type { Pool } from 'pg';
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
import { query } from './pgConnection';

/** Teams, their API keys and console sign-ins, on PostgreSQL. */
export function teamsAndKeys(pool: Pool) {
  const one = async <R extends object>(text: string, params: unknown[]) =>
    (await query<R & Record<string, unknown>>(pool, text, params))[0];
  return {
    async upsertTeam(team: NewTeam): Promise<TeamRow> {
      return (await one<TeamRow>(
        `INSERT INTO teams (team_id, name, admin_emails, max_urls_per_event, max_subscriptions_per_event, language, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
         ON CONFLICT (team_id) DO UPDATE SET name = excluded.name, admin_emails = excluded.admin_emails,
           max_urls_per_event = excluded.max_urls_per_event, max_subscriptions_per_event = excluded.max_subscriptions_per_event,
           language = excluded.language, updated_at = excluded.updated_at
         RETURNING *`,
        [
          team.teamId,
          team.name,
          JSON.stringify(team.adminEmails),
          team.maxUrlsPerEvent,
          team.maxSubscriptionsPerEvent,
          team.language,
          team.now,
        ],
      ))!;
    },
    getTeam: (teamId: string) => one<TeamRow>('SELECT * FROM teams WHERE team_id = $1', [teamId]),
    async addApiKey(key: NewApiKey): Promise<ApiKeyRow> {
      return (await one<ApiKeyRow>(
        `INSERT INTO api_keys (key_hash, team_id, created_at, id, prefix, label, scope, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [key.keyHash, key.teamId, key.createdAt, key.id, key.prefix, key.label, key.scope, key.expiresAt],
      ))!;
    },
    listApiKeys: (teamId: string) =>
      query<ApiKeyRow>(pool, 'SELECT * FROM api_keys WHERE team_id = $1 ORDER BY created_at, id', [teamId]),
    async revokeApiKey(teamId: string, keyId: string): Promise<boolean> {
      const revoked =
        (await query(pool, 'DELETE FROM api_keys WHERE team_id = $1 AND id = $2 RETURNING id', [teamId, keyId]))
          .length > 0;
      if (revoked) await query(pool, 'DELETE FROM console_sessions WHERE api_key_id = $1', [keyId]);
      return revoked;
    },
    findApiKey: (keyHash: string) =>
      one<AuthenticatedKey>(
        `SELECT k.id AS key_id, k.scope AS key_scope, k.expires_at AS key_expires_at, k.last_used_at AS key_last_used_at, t.*
         FROM api_keys k JOIN teams t ON t.team_id = k.team_id WHERE k.key_hash = $1`,
        [keyHash],
      ),
    async touchApiKey(keyId: string, now: number): Promise<void> {
      await query(pool, 'UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [now, keyId]);
    },
    async addConsoleLink(link: {
      tokenHash: string;
      teamId: string;
      returnTo: string | null;
      now: number;
      expiresAt: number;
    }) {
      await query(
        pool,
        'INSERT INTO console_links (token_hash, team_id, return_to, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
        [link.tokenHash, link.teamId, link.returnTo, link.now, link.expiresAt],
      );
    },
    findConsoleLink: (tokenHash: string) =>
      one<ConsoleLinkRow>(
        `SELECT l.team_id, t.name AS team_name, l.used_at, l.expires_at
         FROM console_links l JOIN teams t ON t.team_id = l.team_id WHERE l.token_hash = $1`,
        [tokenHash],
      ),
    // One use only: the first caller marks it used; a second, an expired or an unknown token gets nothing.
    useConsoleLink: (tokenHash: string, now: number) =>
      one<{ team_id: string; return_to: string | null }>(
        `UPDATE console_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
         RETURNING team_id, return_to`,
        [now, tokenHash],
      ),
    async addConsoleSession(session: NewConsoleSession) {
      await query(
        pool,
        `INSERT INTO console_sessions (id_hash, team_id, csrf_token, created_at, expires_at, api_key_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [session.idHash, session.teamId, session.csrfToken, session.now, session.expiresAt, session.apiKeyId],
      );
    },
    // A session opened with an API key lives only as long as the key (revoked: its row is gone).
    findConsoleSession: (idHash: string, now: number) =>
      one<ConsoleSessionTeam>(
        `SELECT s.csrf_token AS session_csrf_token, s.expires_at AS session_expires_at, t.*
         FROM console_sessions s JOIN teams t ON t.team_id = s.team_id LEFT JOIN api_keys k ON k.id = s.api_key_id
         WHERE s.id_hash = $1 AND s.expires_at > $2
           AND (s.api_key_id IS NULL OR (k.id IS NOT NULL AND (k.expires_at IS NULL OR k.expires_at > $2)))`,
        [idHash, now],
      ),
    async deleteConsoleSession(idHash: string): Promise<void> {
      await query(pool, 'DELETE FROM console_sessions WHERE id_hash = $1', [idHash]);
    },
    async deleteTeamConsoleSessions(teamId: string): Promise<number> {
      return (await query(pool, 'DELETE FROM console_sessions WHERE team_id = $1 RETURNING id_hash', [teamId])).length;
    },
  };
}
