import { parentPort, workerData } from 'node:worker_threads';
import { createDeliveryAgent } from './deliveryAgent';
import type { LookupAll } from '../addresses/publicAddress';
import { sendAttempt } from './sendAttempt';
import { batchedPost, type FromSender, type SenderThreadData, type ToSender } from './senderMessages';

// One sending thread (senderThreads.ts starts them): its own keep-alive agent, the attempts the
// main thread hands it, and their outcomes sent back in batches.

const data = workerData as SenderThreadData;
const port = parentPort!;
const post = batchedPost<FromSender>((batch) => port.postMessage(batch));

// A lookup the main thread was given (a test's resolver) is asked of it; production resolves here.
let lookups = 0;
const waitingLookups = new Map<number, (answer: Extract<ToSender, { type: 'looked-up' }>) => void>();
const lookupInParent: LookupAll = (hostname) =>
  new Promise((resolve, reject) => {
    const id = ++lookups;
    waitingLookups.set(id, (answer) =>
      answer.error === undefined
        ? resolve(answer.addresses)
        : reject(Object.assign(new Error(answer.error.message), answer.error)),
    );
    post({ type: 'lookup', id, hostname });
  });

const agent = createDeliveryAgent({
  pinnedHosts: new Map(data.pinnedHosts),
  connectTimeoutMs: data.connectTimeoutMs,
  totalConnections: data.totalConnections,
  ...(data.ca === undefined ? {} : { ca: data.ca }),
  ...(data.lookupInParent ? { lookup: lookupInParent } : {}),
  onBlocked: (hostname, address) => post({ type: 'blocked', hostname, address }),
});

port.on('message', (batch: ToSender[]) => {
  for (const message of batch) {
    if (message.type === 'send') {
      sendAttempt(message.delivery, {
        agent,
        timeoutMs: data.timeoutMs,
        startedAt: message.startedAt,
        developmentHints: data.pinnedHosts.length > 0,
      }).then(
        (outcome) => post({ type: 'sent', id: message.id, outcome }),
        (error: unknown) => post({ type: 'failed', id: message.id, message: String(error) }),
      );
    } else if (message.type === 'looked-up') {
      waitingLookups.get(message.id)?.(message);
      waitingLookups.delete(message.id);
    } else {
      void agent.close().then(() => port.close());
    }
  }
});
