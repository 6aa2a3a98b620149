import type { Logger } from 'pino';
import { StoreUnavailableError, type AttemptResult, type Store } from '../store/storeTypes';

const retryAfterMs = 1_000;

/**
 * A worker's attempt results, recorded in batches: those that finish close together share one
 * call to the store. Until a result is recorded its lease keeps the delivery; if the process
 * dies, the lease expires and the delivery is sent again.
 *
 * A store that cannot write (StoreUnavailableError) keeps every result for another try a second
 * later. Any other error is about the results themselves, so the batch is recorded one result at
 * a time, and one the store refuses alone is logged and left: its lease expires and the delivery
 * is sent again. Retrying the whole batch, later results added, would record nothing more from
 * this worker while that one result stayed in it (a NUL byte did that on PostgreSQL).
 */
export class AttemptRecorder {
  private unrecorded: AttemptResult[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly workerId: string,
    private readonly logger: Logger,
  ) {}

  add(result: AttemptResult): void {
    this.unrecorded.push(result);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Whether results wait to be recorded, or are being recorded. */
  get busy(): boolean {
    return this.unrecorded.length > 0 || this.flushing !== undefined;
  }

  /** Resolves when the results added so far are recorded or left. */
  async drained(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const batch = this.unrecorded;
      this.unrecorded = [];
      const left = await this.record(batch);
      if (left.length > 0) {
        this.unrecorded = left.concat(this.unrecorded);
        await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
      }
    }
    this.flushing = undefined;
  }

  /** Records `batch`; returns what must be tried again later (the store could not write). */
  private async record(batch: AttemptResult[]): Promise<AttemptResult[]> {
    try {
      await this.store.recordAttemptResults(this.workerId, batch);
      return [];
    } catch (error) {
      if (error instanceof StoreUnavailableError) return this.keep(batch, error);
      if (batch.length === 1) {
        this.leave(batch[0]!, error);
        return [];
      }
    }
    for (const [i, result] of batch.entries()) {
      try {
        await this.store.recordAttemptResults(this.workerId, [result]);
      } catch (error) {
        if (error instanceof StoreUnavailableError) return this.keep(batch.slice(i), error);
        this.leave(result, error);
      }
    }
    return [];
  }

  private keep(results: AttemptResult[], error: unknown): AttemptResult[] {
    this.logger.error({ err: error, count: results.length }, 'recording attempts failed; retrying in 1 s');
    return results;
  }

  private leave(result: AttemptResult, error: unknown): void {
    this.logger.error(
      { err: error, deliveryId: result.deliveryId, webhookId: result.webhookId, attempt: result.attemptNumber },
      `the store refused the record of delivery ${result.deliveryId}'s attempt ${result.attemptNumber}; it will be sent again when its lease ends`,
    );
  }
}
