import type { DeliveryAgentOptions } from './deliveryAgent';
import type { AttemptOutcome, AttemptRequest } from './sendAttempt';

/**
 * Where attempts are sent from: worker threads (DELIVERY_THREADS ≥ 1), so that signing, TLS and
 * HTTP run beside the event loop that takes ingests and keeps the store, or this thread (0).
 * The choice is made here and nowhere else; both keep one keep-alive agent per thread.
 */
export interface AttemptSender {
  /** Sends one attempt that starts at `startedAt` (wall-clock ms: its timestamp and signature's). Never rejects. */
  send(delivery: AttemptRequest, startedAt: number): Promise<AttemptOutcome>;
  /** Closes the connections (and threads) once the attempts in flight have ended. */
  close(): Promise<void>;
}

export interface AttemptSenderOptions extends DeliveryAgentOptions {
  /** 0 sends on this thread; N spreads attempts over N worker threads. */
  threads: number;
  /** The whole attempt's limit, from connect to the last body byte. */
  timeoutMs: number;
  /** Told when a sending thread died (and was replaced), for the operator's log. */
  onThreadFailure?: (reason: string) => void;
}
