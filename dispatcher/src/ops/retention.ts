import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { RetentionStore } from '../store/store';
import type { FailingStore } from '../store/failingStore';

export interface RetentionOptions {
  retention: RetentionStore;
  failing: Pick<FailingStore, 'purgeBefore'>;
  now: () => number;
  logger: Logger;
  /** Finished deliveries last changed longer ago than this are purged with their attempts and bodies. */
  retentionMs: number;
}

/**
 * Purges old delivery logs now and then periodically (hourly, or more often for a short
 * retention). Pending deliveries and failure emails not yet sent are never purged.
 * Returns a function that stops the job.
 */
export function startRetentionJob({ retention, failing, now, logger, retentionMs }: RetentionOptions): () => void {
  const intervalMs = Math.min(3600_000, Math.max(200, retentionMs / 4));
  const purge = async () => {
    try {
      const started = performance.now();
      const purged = await retention.purgeFinishedBefore(now() - retentionMs);
      // What failing webhooks' runs and notices said of the deliveries just purged goes with them.
      await failing.purgeBefore(now() - retentionMs);
      // How long a purge takes is what an operator sizing retention watches.
      const ms = Math.round(performance.now() - started);
      if (purged.deliveries + purged.attempts + purged.events > 0)
        logger.info({ event: 'retention_purge', ...purged, ms }, 'purged old delivery logs');
    } catch (error) {
      logger.error({ err: error }, 'purging old delivery logs failed; trying again at the next interval');
    }
  };
  void purge();
  const timer = setInterval(() => void purge(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
