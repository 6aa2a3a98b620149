import type { Logger } from 'pino';
import { StoreUnavailableError } from '../../store/storeTypes';
import { type AttemptResult } from '../../store/storeQueueTypes';
import type { QueueStore } from '../../store/store';

const retryAfterMs = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
  // The batch a store call has now.
  private recording: AttemptResult[] = [];
  private flushing: Promise<void> | undefined;
  // Set by finish(): past it, results the store cannot take are left instead of tried again.
  private giveUpAt = Number.POSITIVE_INFINITY;
  // Set when finish() left a batch whose store call had not answered. That call may still answer:
  // whatever it says, nothing of that batch is tried again, in part or whole, nor logged as left a
  // second time; each result is handed to the store once after finish() has given up on it.
  private gaveUpOnHungCall = false;

  constructor(
    private readonly queue: QueueStore,
    private readonly workerId: string,
    private readonly logger: Logger,
    /** Told of every batch once it is recorded (its failure emails are due, its retries claimable). */
    private readonly recorded: (results: readonly AttemptResult[]) => void = () => undefined,
  ) {}

  add(result: AttemptResult): void {
    this.unrecorded.push(result);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /** Resolves when the results added so far are recorded or left. */
  private async drained(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /**
   * For shutdown: resolves once the results added so far are recorded or left, trying for at most
   * `withinMs` while the store cannot write (or does not answer). Whatever is still unrecorded then
   * is logged and left: its leases end and its deliveries are sent again, so nothing is lost, and
   * a SIGTERM during a database outage ends the process instead of waiting for SIGKILL.
   */
  async finish(withinMs: number): Promise<void> {
    this.giveUpAt = Date.now() + withinMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), withinMs + retryAfterMs);
    });
    const hung = await Promise.race([this.drained().then(() => false), timedOut]);
    clearTimeout(timer);
    // A store call that never returned (a database that stopped answering) holds the batch.
    if (hung) {
      this.gaveUpOnHungCall = true;
      this.unrecorded = this.recording.concat(this.unrecorded);
      this.leaveAll('the store did not answer');
    }
  }

  private async flush(): Promise<void> {
    while (this.unrecorded.length > 0) {
      const batch = this.unrecorded;
      this.unrecorded = [];
      this.recording = batch;
      const left = await this.record(batch);
      this.recording = [];
      if (this.gaveUpOnHungCall) break;
      if (left.length > 0) {
        this.unrecorded = left.concat(this.unrecorded);
        if (Date.now() >= this.giveUpAt) {
          this.leaveAll('the store could not write');
          break;
        }
        await sleep(retryAfterMs);
      }
    }
    this.flushing = undefined;
  }

  /** Records `batch`; returns what must be tried again later (the store could not write). */
  private async record(batch: AttemptResult[]): Promise<AttemptResult[]> {
    try {
      await this.queue.recordAttemptResults(this.workerId, batch);
      this.recorded(batch);
      if (this.gaveUpOnHungCall) this.recordedLate(batch);
      return [];
    } catch (error) {
      if (this.gaveUpOnHungCall) return [];
      if (error instanceof StoreUnavailableError) return this.keep(batch, error);
      if (batch.length === 1) {
        this.leave(batch[0]!, error);
        return [];
      }
    }
    for (const [i, result] of batch.entries()) {
      if (this.gaveUpOnHungCall) return [];
      try {
        await this.queue.recordAttemptResults(this.workerId, [result]);
        this.recorded([result]);
        if (this.gaveUpOnHungCall) this.recordedLate([result]);
      } catch (error) {
        if (this.gaveUpOnHungCall) return [];
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

  private leaveAll(why: string): void {
    const left = this.unrecorded;
    this.unrecorded = [];
    if (left.length === 0) return;
    this.logger.error(
      { count: left.length, deliveryIds: left.slice(0, 100).map((result) => result.deliveryId) },
      `stopping with ${left.length} attempt results unrecorded (${why}); their deliveries will be sent again when their leases end`,
    );
  }

  private recordedLate(recorded: readonly AttemptResult[]): void {
    this.logger.warn(
      { count: recorded.length, deliveryIds: recorded.slice(0, 100).map((result) => result.deliveryId) },
      `${recorded.length} attempt results left at stop were recorded after all, by a store call that answered late`,
    );
  }

  private leave(result: AttemptResult, error: unknown): void {
    this.logger.error(
      { err: error, deliveryId: result.deliveryId, webhookId: result.webhookId, attempt: result.attemptNumber },
      `the store refused the record of delivery ${result.deliveryId}'s attempt ${result.attemptNumber}; it will be sent again when its lease ends`,
    );
  }
}
