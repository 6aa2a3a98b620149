import type { AttemptSender, AttemptSenderOptions } from './attemptSenderTypes';
import { createDeliveryAgent } from './deliveryAgent';
import { sendAttempt } from './sendAttempt';
import { SenderThreads } from './senderThreads';

/** Attempts sent from worker threads (DELIVERY_THREADS ≥ 1) or this thread (0): chosen here and nowhere else. */
export function createAttemptSender(options: AttemptSenderOptions): AttemptSender {
  if (options.threads > 0) return new SenderThreads(options);
  const agent = createDeliveryAgent(options);
  return {
    send: (delivery, startedAt) =>
      sendAttempt(delivery, {
        agent,
        timeoutMs: options.timeoutMs,
        startedAt,
        developmentHints: options.pinnedHosts.size > 0,
      }),
    close: () => agent.close(),
  };
}
