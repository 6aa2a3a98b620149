import express, { type Router } from 'express';
import type { DispatcherContext } from '../context';
import { learningOf, typesOfBits } from './observedShapes';

/** One path live traffic carried for an event name, as the observed-shapes route answers it. */
export interface ObservedPath {
  path: string;
  types: string[];
  count: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * `GET /internal/v1/contract/observed`: per event name, every JSON path live traffic carried,
 * its JSON types, how often, first and last seen; never a value; and `learning`, its bounds and
 * since when it stopped taking new names or paths (observedShapes.ts). What `npm run contract:diff`
 * reads to tell Spir's engineers which of the contract's names production confirms.
 */
export function contractRoutes({
  shapes,
  observedShapes,
}: Pick<DispatcherContext, 'shapes' | 'observedShapes'>): Router {
  const router = express.Router();
  router.get('/contract/observed', async (_req, res) => {
    await observedShapes.flush();
    const events: Record<string, ObservedPath[]> = {};
    const rows = await shapes.listObservedPaths();
    for (const row of rows) {
      (events[row.eventName] ??= []).push({
        path: row.path,
        types: typesOfBits(row.typeBits),
        count: row.count,
        firstSeen: new Date(row.firstSeen).toISOString(),
        lastSeen: new Date(row.lastSeen).toISOString(),
      });
    }
    res.json({ events, learning: learningOf(rows) });
  });
  return router;
}
