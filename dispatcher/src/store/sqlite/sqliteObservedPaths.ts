import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { ObservedPathCount } from '../storeTypes';

interface ObservedPathRow {
  event_name: string;
  path: string;
  type_bits: number;
  count: number;
  first_seen: number;
  last_seen: number;
}

/** Observed shapes of live traffic, on the embedded engine (contract/observedShapes.ts). */
export function sqliteObservedPaths(
  db: Database.Database,
  sql: Record<StatementName, Statement>,
  durable: <T>(value: T) => Promise<T>,
) {
  const merge = db.transaction((rows: readonly ObservedPathCount[], maxPerEvent: number) => {
    const known = new Map<string, number>();
    for (const row of rows) {
      const params = {
        event_name: row.eventName,
        path: row.path,
        type_bits: row.typeBits,
        count: row.count,
        first_seen: row.firstSeen,
        last_seen: row.lastSeen,
      };
      if (sql.mergeObservedPath.run(params).changes > 0) continue;
      const paths = known.get(row.eventName) ?? (sql.countObservedPaths.get(row.eventName) as { n: number }).n;
      if (paths >= maxPerEvent) continue;
      sql.insertObservedPath.run(params);
      known.set(row.eventName, paths + 1);
    }
  });
  return {
    async mergeObservedPaths(rows: readonly ObservedPathCount[], maxPerEvent: number): Promise<void> {
      await durable(merge.immediate(rows, maxPerEvent));
    },
    async listObservedPaths(): Promise<ObservedPathCount[]> {
      return (sql.listObservedPaths.all() as ObservedPathRow[]).map((row) => ({
        eventName: row.event_name,
        path: row.path,
        typeBits: row.type_bits,
        count: row.count,
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
      }));
    },
  };
}
