import pino, { type Logger } from 'pino';

/** How long a log line may wait in the buffer before it is written out. */
const flushIntervalMs = 250;

export interface ProductionLogger {
  logger: Logger;
  /** Writes out what is buffered now (after the start-up lines, say). */
  flush(): void;
  /** Writes out the rest; later lines stay buffered. */
  close(): void;
}

/**
 * JSON lines on stdout, written asynchronously: a slow log pipe must not stall deliveries (a
 * synchronous write that meets a full pipe sleeps the whole event loop). Lines are gathered into
 * 4 KiB writes under load, and written out at most 250 ms after they were logged, so that
 * `tail -f` shows each attempt as it happens; the timer runs only while a line waits, so an idle
 * dispatcher is not woken for nothing. Past 16 MiB waiting, lines are dropped rather than memory
 * grown. The store, not the log, is the record of every delivery: a line lost to SIGKILL loses no
 * fact.
 */
export function createProductionLogger(level: string, mixin?: () => Record<string, string>): ProductionLogger {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 });
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!closed) destination.flush();
  };
  const flushSoon = (line: string) => {
    if (timer === undefined && !closed) {
      timer = setTimeout(flush, flushIntervalMs);
      timer.unref();
    }
    return line;
  };
  const logger = pino(
    {
      level,
      base: { service: 'spir-webhooks-dispatcher' },
      hooks: { streamWrite: flushSoon },
      ...(mixin === undefined ? {} : { mixin }),
    },
    destination,
  );
  return {
    logger,
    flush,
    close() {
      flush();
      closed = true;
    },
  };
}
