import type { Pool } from 'pg';
import type { ObservedPathCount } from '../storeTypes';
import type { ShapesStore } from '../store';
import { admitNewObservedPath, type ObservedPathLimits } from '../observedPathLimits';
import { query, transaction } from './pgConnection';

/** Any fixed number: the lock that makes dispatchers merge observed shapes one at a time, so that the bounds hold. */
const mergeLock = 0x5_1_7_0_5;

interface ObservedPathRow {
  event_name: string;
  path: string;
  type_bits: number;
  count: string;
  first_seen: string;
  last_seen: string;
}

/** Observed shapes of live traffic, on PostgreSQL, merged by every dispatcher sharing it. */
export function pgObservedPaths(pool: Pool): ShapesStore {
  return {
    async mergeObservedPaths(rows: readonly ObservedPathCount[], limits: ObservedPathLimits): Promise<void> {
      await transaction(pool, async (client) => {
        await query(client, 'SELECT pg_advisory_xact_lock($1)', [mergeLock]);
        const names = [...new Set(rows.map((row) => row.eventName))];
        const counted = await query<{ event_name: string; n: string }>(
          client,
          'SELECT event_name, count(*) AS n FROM observed_paths WHERE event_name = ANY($1::text[]) GROUP BY event_name',
          [names],
        );
        const [all] = await query<{ n: string }>(
          client,
          'SELECT count(DISTINCT event_name) AS n FROM observed_paths',
          [],
        );
        const held = {
          pathsByName: new Map(counted.map((row) => [row.event_name, Number(row.n)])),
          eventNames: Number(all?.n ?? 0),
        };
        for (const row of rows) {
          const updated = await query(
            client,
            `UPDATE observed_paths SET type_bits = type_bits | $3, count = count + $4,
               first_seen = least(first_seen, $5), last_seen = greatest(last_seen, $6)
             WHERE event_name = $1 AND path = $2 RETURNING path`,
            [row.eventName, row.path, row.typeBits, row.count, row.firstSeen, row.lastSeen],
          );
          if (updated.length > 0 || !admitNewObservedPath(held, limits, row.eventName)) continue;
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
