import type { Pool } from 'pg';
import type { ConsoleLinkRow, ConsoleSessionTeam, NewConsoleSession } from '../storeTypes';
import type { SessionsStore } from '../store';
import { query } from './pgConnection';

/** Console sign-in links and sessions, on PostgreSQL. */
export function pgSessions(pool: Pool): SessionsStore {
  const one = async <R extends object>(text: string, params: unknown[]) =>
    (await query<R & Record<string, unknown>>(pool, text, params))[0];
  return {
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
