import type { Pool } from 'pg';
import type { ApiKeyRow, AuthenticatedKey, NewApiKey, NewTeam, TeamRow } from '../storeTypes';
import type { TeamsStore } from '../store';
import { query } from './pgConnection';

/** Teams and their API keys, on PostgreSQL. */
export function pgTeams(pool: Pool): TeamsStore {
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
  };
}
