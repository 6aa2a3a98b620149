import type Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import type { StatementName } from './sqliteStatements';
import type { ObservedPathCount } from '../storeTypes';
import type { ShapesStore } from '../store';
import { admitNewObservedPath, type ObservedPathLimits } from '../observedPathLimits';

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
): ShapesStore {
  const merge = db.transaction((rows: readonly ObservedPathCount[], limits: ObservedPathLimits) => {
    const held = {
      pathsByName: new Map(
        [...new Set(rows.map((row) => row.eventName))].map((name) => [
          name,
          (sql.countObservedPaths.get(name) as { n: number }).n,
        ]),
      ),
      eventNames: (sql.countObservedEventNames.get() as { n: number }).n,
    };
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
      if (admitNewObservedPath(held, limits, row.eventName)) sql.insertObservedPath.run(params);
    }
  });
  return {
    async mergeObservedPaths(rows: readonly ObservedPathCount[], limits: ObservedPathLimits): Promise<void> {
      await durable(merge.immediate(rows, limits));
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
