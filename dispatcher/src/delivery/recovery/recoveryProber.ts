import type { Logger } from 'pino';
import type { FailingStore } from '../../store/failingStore';

export interface RecoveryProberOptions {
  failing: Pick<FailingStore, 'startDueProbes'>;
  now: () => number;
  logger: Logger;
  /** RECOVERY_PROBE_SECONDS: how soon after its last final failure a failing webhook is probed. */
  recoveryProbeMs: number;
  /** Told when probes were started: their deliveries are due now. */
  probesStarted: () => void;
}

/** Probes started per look: a few hundred failing webhooks are probed over a few looks. */
const probesPerLook = 100;

/**
 * Tries failing webhooks that get no new events again, with their oldest failed delivery
 * (store/failingStore.ts): the probe's 2xx ends the outage, and the rest is sent again. Looks a
 * few times per probe period (at most every 5 s); the store decides which webhooks are due, so
 * several dispatchers on one shared store probe each webhook once.
 */
export class RecoveryProber {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private looking: Promise<void> = Promise.resolve();
  private readonly everyMs: number;

  constructor(private readonly options: RecoveryProberOptions) {
    this.everyMs = Math.min(5_000, Math.max(100, options.recoveryProbeMs / 4));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.looking;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.looking = this.look().finally(() => this.schedule());
    }, this.everyMs);
  }

  private async look(): Promise<void> {
    const { failing, now, logger, recoveryProbeMs, probesStarted } = this.options;
    try {
      const started = await failing.startDueProbes(now(), recoveryProbeMs, probesPerLook);
      if (started > 0) {
        logger.info({ event: 'recovery_probes', started }, `probing ${started} failing webhooks again`);
        probesStarted();
      }
    } catch (error) {
      logger.error({ err: error }, 'starting recovery probes failed; trying again');
    }
  }
}
