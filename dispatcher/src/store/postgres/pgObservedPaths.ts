import type { Pool } from 'pg';
import type { ObservedPathCount } from '../storeTypes';
import { query, transaction } from './pgConnection';

interface ObservedPathRow {
  event_name: string;
  path: string;
  type_bits: number;
  count: string;
  first_seen: string;
  last_seen: string;
}

/** Observed shapes of live traffic, on PostgreSQL, merged by every dispatcher sharing it. */
export function pgObservedPaths(pool: Pool) {
  return {
    async mergeObservedPaths(rows: readonly ObservedPathCount[], maxPerEvent: number): Promise<void> {
      await transaction(pool, async (client) => {
        const known = new Map<string, number>();
        for (const row of rows) {
          const updated = await query(
            client,
            `UPDATE observed_paths SET type_bits = type_bits | $3, count = count + $4,
               first_seen = least(first_seen, $5), last_seen = greatest(last_seen, $6)
             WHERE event_name = $1 AND path = $2 RETURNING path`,
            [row.eventName, row.path, row.typeBits, row.count, row.firstSeen, row.lastSeen],
          );
          if (updated.length > 0) continue;
          let paths = known.get(row.eventName);
          if (paths === undefined) {
            const [counted] = await query<{ n: string }>(
              client,
              'SELECT count(*) AS n FROM observed_paths WHERE event_name = $1',
              [row.eventName],
            );
            paths = Number(counted?.n ?? 0);
          }
          if (paths >= maxPerEvent) continue;
          // Another dispatcher may add the same path meanwhile: then its counts and these add up.
          await query(
            client,
            `INSERT INTO observed_paths (event_name, path, type_bits, count, first_seen, last_seen)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (event_name, path) DO UPDATE SET type_bits = observed_paths.type_bits | excluded.type_bits,
               count = observed_paths.count + excluded.count,
               first_seen = least(observed_paths.first_seen, excluded.first_seen),
               last_seen = greatest(observed_paths.last_seen, excluded.last_seen)`,
            [row.eventName, row.path, row.typeBits, row.count, row.firstSeen, row.lastSeen],
          );
          known.set(row.eventName, paths + 1);
        }
      });
    },
    async listObservedPaths(): Promise<ObservedPathCount[]> {
      const rows = await query<ObservedPathRow>(pool, 'SELECT * FROM observed_paths ORDER BY event_name, path', []);
      return rows.map((row) => ({
        eventName: row.event_name,
        path: row.path,
        typeBits: row.type_bits,
        count: Number(row.count),
        firstSeen: Number(row.first_seen),
        lastSeen: Number(row.last_seen),
      }));
    },
  };
}
