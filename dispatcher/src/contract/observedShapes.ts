import type { Logger } from 'pino';
import { shapeOf, type JsonType, jsonTypes } from '@spir-webhooks/shared-types';
import type { ObservedPathCount } from '../store/storeTypes';
import type { Store } from '../store/store';

/** Paths kept per event name, and event names kept at all: a shape, bounded whatever arrives. */
const maxObservedPathsPerEvent = 2_000;
const maxObservedEventNames = 100;

/** JSON types as bits, so that engines merge them with a bitwise OR, in SQL, without a read. */
function typeBitsOf(types: Iterable<JsonType>): number {
  let bits = 0;
  for (const type of types) bits |= 1 << jsonTypes.indexOf(type);
  return bits;
}

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
  private pending = new Map<string, Map<string, ObservedPathCount>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly flushIntervalMs = 5_000,
  ) {}

  record(eventName: string, envelope: unknown, now: number): void {
    let paths = this.pending.get(eventName);
    if (paths === undefined) {
      if (this.pending.size >= maxObservedEventNames) return;
      this.pending.set(eventName, (paths = new Map<string, ObservedPathCount>()));
    }
    for (const [path, types] of shapeOf(envelope)) {
      const seen = paths.get(path);
      if (seen === undefined) {
        if (paths.size >= maxObservedPathsPerEvent) continue;
        paths.set(path, { eventName, path, typeBits: typeBitsOf(types), count: 1, firstSeen: now, lastSeen: now });
      } else {
        seen.typeBits |= typeBitsOf(types);
        seen.count += 1;
        seen.lastSeen = now;
      }
    }
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushIntervalMs);
    this.timer.unref();
  }

  /** Merges what was counted since the last flush into the store; on failure keeps it for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      const rows = [...batch.values()].flatMap((paths) => [...paths.values()]);
      try {
        await this.store.mergeObservedPaths(rows, maxObservedPathsPerEvent);
      } catch (error) {
        this.logger.warn({ err: error, paths: rows.length }, 'could not store observed shapes; kept for the next try');
        this.restore(batch);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
  }

  private restore(batch: Map<string, Map<string, ObservedPathCount>>): void {
    for (const [eventName, paths] of batch) {
      const current = this.pending.get(eventName) ?? new Map<string, ObservedPathCount>();
      for (const [path, row] of paths) {
        const newer = current.get(path);
        current.set(
          path,
          newer === undefined
            ? row
            : {
                ...row,
                typeBits: row.typeBits | newer.typeBits,
                count: row.count + newer.count,
                lastSeen: newer.lastSeen,
              },
        );
      }
      this.pending.set(eventName, current);
    }
  }
}
