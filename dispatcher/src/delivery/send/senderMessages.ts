import type { AttemptOutcome, AttemptRequest } from './sendAttempt';

/**
 * A `post` that gathers the messages of one turn of the event loop and hands them to `send` as one
 * batch: one structured clone per turn, not one per attempt. Used on both sides of the thread boundary.
 */
export function batchedPost<T>(send: (batch: T[]) => void): (message: T) => void {
  let outgoing: T[] = [];
  return (message) => {
    if (outgoing.length === 0) {
      setImmediate(() => {
        const batch = outgoing;
        outgoing = [];
        send(batch);
      });
    }
    outgoing.push(message);
  };
}

/** What a sending thread starts with: everything the agent needs, as plain data. */
export interface SenderThreadData {
  pinnedHosts: [string, string][];
  connectTimeoutMs: number;
  /** This thread's share of DELIVERY_CONNECTIONS. */
  totalConnections: number;
  timeoutMs: number;
  ca: string[] | undefined;
  /** True when host names are resolved by the main thread's lookup (a test's) rather than DNS. */
  lookupInParent: boolean;
}

/** Main thread → sending thread, in batches. */
export type ToSender =
  | { type: 'send'; id: number; delivery: AttemptRequest; startedAt: number }
  | {
      type: 'looked-up';
      id: number;
      addresses: { address: string; family: number }[];
      error?: { message: string; code?: string };
    }
  | { type: 'close' };

/** Sending thread → main thread, in batches. */
export type FromSender =
  | { type: 'sent'; id: number; outcome: AttemptOutcome }
  | { type: 'failed'; id: number; message: string }
  | { type: 'lookup'; id: number; hostname: string }
  | { type: 'blocked'; hostname: string; address: string };
