import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { AttemptSender, AttemptSenderOptions } from './attemptSenderTypes';
import { defaultDeliveryConnections } from './connectionCap';
import type { AttemptOutcome, AttemptRequest } from './sendAttempt';
import { batchedPost, type FromSender, type SenderThreadData, type ToSender } from './senderMessages';

// A thread runs compiled JavaScript. Under ts-jest this file is TypeScript, and the thread is the
// build's (`npm test` builds first).
const threadFile = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', '..', 'dist', 'delivery', 'send', 'senderThread.js')
  : join(__dirname, 'senderThread.js');

interface Waiting {
  resolve: (outcome: AttemptOutcome) => void;
  startedAt: number;
  started: number;
}

interface Thread {
  worker: Worker;
  waiting: Map<number, Waiting>;
  post: (message: ToSender) => void;
}

/**
 * Attempts spread over worker threads, each with its own keep-alive agent: a new attempt goes to
 * the thread with the fewest in flight. Messages each way are batched per turn of the event loop.
 * A thread that dies fails its attempts in flight (they are retried like any failed attempt) and
 * is replaced.
 */
export class SenderThreads implements AttemptSender {
  private readonly threads: Thread[] = [];
  private nextId = 0;
  private closing = false;

  constructor(private readonly options: AttemptSenderOptions) {
    for (let i = 0; i < options.threads; i++) this.threads.push(this.startThread());
  }

  send(delivery: AttemptRequest, startedAt: number): Promise<AttemptOutcome> {
    let thread = this.threads[0]!;
    for (const other of this.threads) if (other.waiting.size < thread.waiting.size) thread = other;
    const id = ++this.nextId;
    return new Promise((resolve) => {
      thread.waiting.set(id, { resolve, startedAt, started: performance.now() });
      thread.post({ type: 'send', id, delivery, startedAt });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<void>((resolve) => {
            thread.worker.once('exit', () => resolve());
            thread.post({ type: 'close' });
          }),
      ),
    );
  }

  private startThread(): Thread {
    const data: SenderThreadData = {
      pinnedHosts: [...this.options.pinnedHosts],
      connectTimeoutMs: this.options.connectTimeoutMs,
      // Each thread holds its own connections: the cap is split evenly.
      totalConnections: Math.max(
        1,
        Math.floor((this.options.totalConnections ?? defaultDeliveryConnections) / this.options.threads),
      ),
      timeoutMs: this.options.timeoutMs,
      ca: this.options.ca,
      lookupInParent: this.options.lookup !== undefined,
    };
    const worker = new Worker(threadFile, { workerData: data });
    const thread: Thread = { worker, waiting: new Map(), post: batchedPost((batch) => worker.postMessage(batch)) };
    thread.worker.on('message', (batch: FromSender[]) => {
      for (const message of batch) this.receive(thread, message);
    });
    let failure = 'it exited';
    thread.worker.on('error', (error) => {
      failure = error.message;
    });
    thread.worker.on('exit', () => {
      for (const [id, waiting] of thread.waiting) {
        thread.waiting.delete(id);
        waiting.resolve(threadFailed(waiting, failure));
      }
      if (this.closing) return;
      this.options.onThreadFailure?.(failure);
      this.threads[this.threads.indexOf(thread)] = this.startThread();
    });
    return thread;
  }

  private receive(thread: Thread, message: FromSender): void {
    if (message.type === 'sent' || message.type === 'failed') {
      const waiting = thread.waiting.get(message.id);
      thread.waiting.delete(message.id);
      if (waiting === undefined) return;
      waiting.resolve(message.type === 'sent' ? message.outcome : threadFailed(waiting, message.message));
    } else if (message.type === 'blocked') {
      this.options.onBlocked?.(message.hostname, message.address);
    } else {
      this.options.lookup!(message.hostname).then(
        (addresses) => thread.post({ type: 'looked-up', id: message.id, addresses }),
        (error: Error & { code?: string }) =>
          thread.post({
            type: 'looked-up',
            id: message.id,
            addresses: [],
            error: { message: error.message, ...(error.code === undefined ? {} : { code: error.code }) },
          }),
      );
    }
  }
}

function threadFailed(waiting: Waiting, reason: string): AttemptOutcome {
  return {
    startedAt: waiting.startedAt,
    durationMs: Math.round((performance.now() - waiting.started) * 100) / 100,
    requestHeaders: {},
    response: null,
    error: { code: 'dispatcher_error', message: `the dispatcher's sending thread failed (${reason})` },
    succeeded: false,
  };
}
