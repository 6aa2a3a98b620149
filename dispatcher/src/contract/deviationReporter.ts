import type { Logger } from 'pino';
import { foldArrayIndexes, type ContractDeviation } from '@spir-webhooks/shared-types';
import type { Metrics } from '../ops/metrics';

const warnEveryMs = 3600_000;
/** Distinct event names and paths remembered for the log's hourly rate; more start again. */
const maxRemembered = 10_000;

/**
 * Makes deviations from the typed contract visible without drowning anyone: every one is
 * counted in `/metrics` (by event name and path, array indexes folded so the labels stay
 * bounded); the log warns once per event name and path per hour, not once per event.
 */
export class DeviationReporter {
  private readonly lastWarned = new Map<string, number>();

  constructor(
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  report(eventName: string, teamId: string, deviations: readonly ContractDeviation[]): void {
    const now = this.now();
    for (const deviation of deviations) {
      const path = foldArrayIndexes(deviation.path);
      this.metrics.contractDeviations.inc({ event: eventName, path });
      const key = `${eventName}\n${path}`;
      const last = this.lastWarned.get(key);
      if (last !== undefined && now - last < warnEveryMs) continue;
      if (this.lastWarned.size >= maxRemembered) this.lastWarned.clear();
      this.lastWarned.set(key, now);
      this.logger.warn(
        { event: eventName, path, problem: deviation.problem, teamId },
        'an event deviates from the typed contract: delivered as sent and flagged (this warning repeats at most hourly per event name and path)',
      );
    }
  }
}
