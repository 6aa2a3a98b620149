import pino, { type Logger } from 'pino';

/** How long a log line may wait in the buffer before it is written out. */
const flushIntervalMs = 250;

export interface ProductionLogger {
  logger: Logger;
  /** Writes out what is buffered now (after the start-up lines, say). */
  flush(): void;
  /** Stops the periodic flush and writes out the rest. */
  close(): void;
}

/**
 * JSON lines on stdout, written asynchronously: a slow log pipe must not stall deliveries (a
 * synchronous write that meets a full pipe sleeps the whole event loop). Lines are gathered into
 * 4 KiB writes under load, and written out at least every 250 ms, so that `tail -f` shows each
 * attempt as it happens; past 16 MiB waiting, lines are dropped rather than memory grown. The
 * store, not the log, is the record of every delivery: a line lost to SIGKILL loses no fact.
 */
export function createProductionLogger(level: string): ProductionLogger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 });
  const logger = pino({ level, base: { service: 'spir-webhooks-dispatcher' } }, destination);
  let closed = false;
  const flush = () => {
    if (!closed) destination.flush();
  };
  const timer = setInterval(flush, flushIntervalMs);
  timer.unref();
  return {
    logger,
    flush,
    close() {
      clearInterval(timer);
      flush();
      closed = true;
    },
  };
}
