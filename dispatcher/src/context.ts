import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from './config';
import type { Metrics } from './ops/metrics';
import type { Store } from './store/storeTypes';

/** What every part of a running dispatcher is handed; there are no globals. */
export interface DispatcherContext {
  config: Readonly<Config>;
  store: Store;
  /** Wall-clock milliseconds; tests may pass their own clock. */
  now: () => number;
  logger: Logger;
  metrics: Metrics;
  /** The HTTP agent deliveries and test sends go through. */
  agent: Dispatcher;
  /** Tells the delivery worker that new deliveries were stored. */
  wakeWorker: () => void;
}
