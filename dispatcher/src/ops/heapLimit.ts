import { getHeapStatistics } from 'node:v8';
import { maxLoggedResponseBytes } from '../delivery/send/sendAttempt';
import { maxIngestBodyBytes } from '../ingest/ingestHandler';

/**
 * The V8 heap limit the dispatcher is started with: `node --max-old-space-size=1024` in
 * `npm start`, the image's command and the test helpers' child processes (a test checks that
 * they agree with this constant).
 *
 * Why a limit, when the live heap is small: V8 lets a heap grow past what is live before
 * it collects, by a factor it derives from the limit. Without one, Node takes a quarter of the
 * machine's memory (4 GiB on 16 GiB and more), and at that size V8 let each heap grow to several
 * times what was live (bench/src/heapProbe.ts); at 1 GiB the factor is smaller, and so is peak
 * RSS, at the same CPU per event (figures: bench/history.md). Worker threads inherit it.
 *
 * 1 GiB holds the worst case of the default settings: 2,048 attempts in flight, each with an
 * event at the 256 KiB ingest limit and a logged response of 64 KiB (640 MB).
 */
export const heapLimitMb = 1024;
export const dispatcherNodeArgs = [`--max-old-space-size=${heapLimitMb}`];

/** What one attempt in flight may hold at most: its event body and the response kept for the log. */
const worstBytesPerAttempt = maxIngestBodyBytes + maxLoggedResponseBytes;

/** This process's heap limit in MiB, as V8 applies it (young generation included). */
export function currentHeapLimitMb(): number {
  return Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
}

/**
 * A warning when `DELIVERY_CONCURRENCY` attempts at the size limits could fill more than three
 * quarters of the heap: a process that reaches its limit is stopped by V8.
 */
export function heapLimitWarning(deliveryConcurrency: number, limitMb = currentHeapLimitMb()): string | undefined {
  const worstMb = Math.ceil((deliveryConcurrency * worstBytesPerAttempt) / 2 ** 20);
  if (worstMb <= limitMb * 0.75) return undefined;
  return (
    `DELIVERY_CONCURRENCY=${deliveryConcurrency}: attempts in flight may hold up to ${worstMb} MB when every event ` +
    `is at the ${maxIngestBodyBytes / 1024} KiB limit, over three quarters of this process's heap (${limitMb} MB): start node with ` +
    `--max-old-space-size=${Math.ceil(worstMb / 0.75)} or more, or lower DELIVERY_CONCURRENCY`
  );
}
