import type { Logger } from 'pino';
import {
  isKnownWebhookEventName,
  jsonTypes,
  maxShapeDepth,
  maxShapePathLength,
  webhookEventNames,
  type JsonType,
} from '@spir-webhooks/shared-types';
import type { ObservedPathLimits } from '../store/observedPathLimits';
import type { ObservedPathCount } from '../store/storeTypes';
import type { ShapesStore } from '../store/store';
import { ShapeTree } from './shapeTree';

/**
 * What shape learning keeps at most, in the store, across flushes and restarts: a shape, bounded
 * whatever arrives. The contract's own names are learned even past the bound on names.
 */
const observedPathLimits: ObservedPathLimits = Object.freeze({
  maxEventNames: 100,
  maxPathsPerEvent: 2_000,
  namesAlwaysLearned: webhookEventNames,
});
/** Rows kept across flushes the store refused (a database outage): at most this many. */
const maxUnmergedRows = 20_000;
/** Rows per store call: a flush of many names' shapes never holds the store (or SQLite's thread) long. */
const rowsPerMerge = 2_000;

export function typesOfBits(bits: number): JsonType[] {
  return jsonTypes.filter((_type, index) => (bits & (1 << index)) !== 0);
}

/**
 * Records the shape of live traffic per event name: every JSON path an event carried, its JSON
 * types, how often, first and last seen; never a value. Counted in memory and merged into the
 * store every few seconds (and on stop), so that ingest pays a walk of the event, not a write.
 * A crash loses at most the last few seconds of counts, which are statistics, not events.
 */
export class ObservedShapes {
  private pending = new Map<string, ShapeTree>();
  private unmerged: ObservedPathCount[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly shapes: ShapesStore,
    private readonly logger: Logger,
    private readonly flushIntervalMs = 5_000,
  ) {}

  record(eventName: string, envelope: unknown, now: number): void {
    let shape = this.pending.get(eventName);
    if (shape === undefined) {
      if (this.pending.size >= observedPathLimits.maxEventNames && !isKnownWebhookEventName(eventName)) return;
      shape = new ShapeTree(eventName, observedPathLimits.maxPathsPerEvent);
      this.pending.set(eventName, shape);
    }
    shape.add(envelope, now);
    // A flush is due only once something was counted: an idle dispatcher is not woken for it.
    if (this.running && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  start(): void {
    this.running = true;
  }

  /** Merges what was counted since the last flush into the store; on failure keeps it for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const rows = [...this.unmerged, ...[...this.pending.values()].flatMap((shape) => shape.paths())];
      this.pending = new Map();
      this.unmerged = [];
      for (let start = 0; start < rows.length; start += rowsPerMerge) {
        try {
          await this.shapes.mergeObservedPaths(rows.slice(start, start + rowsPerMerge), observedPathLimits);
        } catch (error) {
          // Merging adds counts, so rows kept for the next flush may repeat a path there.
          this.unmerged = rows.slice(start, start + maxUnmergedRows);
          this.logger.warn(
            { err: error, paths: rows.length - start },
            'could not store observed shapes; kept for the next try',
          );
          return;
        }
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** Where shape learning stopped taking new names or paths, as the observed answer says it. */
export interface ObservedLearning {
  limits: { eventNames: number; pathsPerEvent: number; pathLength: number; depth: number };
  /** Since when no new event name is learned (the contract's own excepted); null while there is room. */
  eventNamesFullSince: string | null;
  /** Per event name that holds its bound of paths: since when no new path of it is learned. */
  pathsFullSince: Record<string, string>;
}

/**
 * Works out from the rows the store holds when learning stopped: the bound on names was reached
 * when the last name to fit was first seen; a name's bound on paths, when its newest path was.
 */
export function learningOf(rows: readonly ObservedPathCount[]): ObservedLearning {
  const firstOfName = new Map<string, number>();
  const newestPath = new Map<string, { paths: number; at: number }>();
  for (const row of rows) {
    firstOfName.set(row.eventName, Math.min(firstOfName.get(row.eventName) ?? Infinity, row.firstSeen));
    const name = newestPath.get(row.eventName) ?? { paths: 0, at: 0 };
    newestPath.set(row.eventName, { paths: name.paths + 1, at: Math.max(name.at, row.firstSeen) });
  }
  const limits = observedPathLimits;
  const pathsFullSince: Record<string, string> = {};
  for (const [eventName, { paths, at }] of newestPath) {
    if (paths >= limits.maxPathsPerEvent) pathsFullSince[eventName] = new Date(at).toISOString();
  }
  const unknownFirsts = [...firstOfName].filter(([name]) => !isKnownWebhookEventName(name)).map(([, at]) => at);
  const namesFull = firstOfName.size >= limits.maxEventNames && unknownFirsts.length > 0;
  return {
    limits: {
      eventNames: limits.maxEventNames,
      pathsPerEvent: limits.maxPathsPerEvent,
      pathLength: maxShapePathLength,
      depth: maxShapeDepth,
    },
    eventNamesFullSince: namesFull ? new Date(Math.max(...unknownFirsts)).toISOString() : null,
    pathsFullSince,
  };
}
