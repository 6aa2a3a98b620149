import type { Logger } from 'pino';
import { jsonTypes, type JsonType } from '@spir-webhooks/shared-types';
import type { ObservedPathCount } from '../store/storeTypes';
import type { Store } from '../store/store';
import { ShapeTree } from './shapeTree';

/** Paths kept per event name, and event names kept at all: a shape, bounded whatever arrives. */
const maxObservedPathsPerEvent = 2_000;
const maxObservedEventNames = 100;
/** Rows kept across flushes the store refused (a database outage): at most this many. */
const maxUnmergedRows = 20_000;

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
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly flushIntervalMs = 5_000,
  ) {}

  record(eventName: string, envelope: unknown, now: number): void {
    let shape = this.pending.get(eventName);
    if (shape === undefined) {
      if (this.pending.size >= maxObservedEventNames) return;
      this.pending.set(eventName, (shape = new ShapeTree(eventName, maxObservedPathsPerEvent)));
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
      if (rows.length === 0) return;
      try {
        await this.store.mergeObservedPaths(rows, maxObservedPathsPerEvent);
      } catch (error) {
        // Merging adds counts, so rows kept for the next flush may repeat a path there.
        this.unmerged = rows.slice(0, maxUnmergedRows);
        this.logger.warn({ err: error, paths: rows.length }, 'could not store observed shapes; kept for the next try');
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
