import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { signWebhook } from '@spir-webhooks/shared-types';
import type { ClaimedDelivery, DecodedAttempt } from '../store/storeTypes';
import { storableText } from '../store/storeRows';

const dispatcherVersion = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;
const userAgent = `Spir-Webhooks/${dispatcherVersion}`;

/** Response bodies are kept up to this size in the attempt log. */
export const maxLoggedResponseBytes = 64 * 1024;
// Past this much, a response body is not worth draining to keep the connection alive.
const maxDrainedResponseBytes = 1024 * 1024;

export interface AttemptOutcome extends Pick<
  DecodedAttempt,
  'startedAt' | 'durationMs' | 'requestHeaders' | 'response' | 'error'
> {
  /** Any 2xx; redirects, 4xx, 5xx, timeouts and every network error are failures. */
  succeeded: boolean;
}

export interface SendAttemptOptions {
  agent: Dispatcher;
  timeoutMs: number;
  /** Wall-clock milliseconds the attempt starts at: its timestamp and its signature's. */
  startedAt: number;
}

/** What one attempt sends: the delivery with its secrets opened. */
export type AttemptRequest = Pick<ClaimedDelivery, 'url' | 'webhookEventId' | 'body' | 'secrets'>;

// The agent's own request() takes an origin and a path, parsed here once per webhook URL; undici's
// top-level request() parses the URL and copies the options at every call: 19% of the sending
// thread's CPU per attempt (sendAttempt alone against the bench receiver, 160 in flight).
const targets = new Map<string, { origin: string; path: string }>();
const maxTargetsKept = 10_000;

function targetOf(url: string): { origin: string; path: string } {
  let target = targets.get(url);
  if (target === undefined) {
    const parsed = new URL(url);
    target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
    if (targets.size >= maxTargetsKept) targets.clear();
    targets.set(url, target);
  }
  return target;
}

/** One signed POST of a delivery, bounded by `timeoutMs` from connect to the last body byte. */
export async function sendAttempt(delivery: AttemptRequest, options: SendAttemptOptions): Promise<AttemptOutcome> {
  const { startedAt } = options;
  const started = performance.now();
  const requestHeaders: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    ...signWebhook({
      webhookEventId: delivery.webhookEventId,
      body: delivery.body,
      timestamp: new Date(startedAt),
      secrets: delivery.secrets,
    }),
  };
  // The whole attempt's bound: a timer cleared when the attempt ends. AbortSignal.timeout's timer
  // stays armed until it fires, with a weak reference to the signal: 8% of the sending thread's
  // CPU per attempt (sendAttempt alone against the bench receiver, 160 in flight).
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs).unref();
  const finish = (rest: Pick<AttemptOutcome, 'response' | 'error' | 'succeeded'>): AttemptOutcome => {
    clearTimeout(timer);
    return {
      startedAt,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      requestHeaders,
      ...rest,
    };
  };

  const { signal } = deadline;
  try {
    const response = await options.agent.request({
      ...targetOf(delivery.url),
      method: 'POST',
      headers: requestHeaders,
      body: delivery.body,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    const body = await readLoggedBody(response.body);
    const status = response.statusCode;
    return finish({
      response: { status, headers: flattenHeaders(response.headers), body },
      error: null,
      succeeded: status >= 200 && status < 300,
    });
  } catch (error) {
    return finish({ response: null, error: describeError(error, signal, options.timeoutMs), succeeded: false });
  }
}

// Read with 'data' events rather than `for await`: the async iterator cost another 9% of the
// sending thread's CPU per attempt (measured as above).
function readLoggedBody(body: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let seenBytes = 0;
    // Logged as text: bytes that are not UTF-8 become U+FFFD, and so does a NUL byte (a binary
    // answer's NUL failed, on PostgreSQL, every record of the worker's attempts from then on).
    const done = () => resolve(storableText(Buffer.concat(kept).toString('utf8')));
    body.on('data', (chunk: Buffer) => {
      seenBytes += chunk.length;
      if (keptBytes < maxLoggedResponseBytes) {
        const part = chunk.subarray(0, maxLoggedResponseBytes - keptBytes);
        kept.push(part);
        keptBytes += part.length;
      }
      if (seenBytes > maxDrainedResponseBytes) {
        body.destroy();
        done();
      }
    });
    body.on('end', done);
    body.on('error', reject);
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function describeError(error: unknown, signal: AbortSignal, timeoutMs: number): { code: string; message: string } {
  if (signal.aborted) {
    return { code: 'timeout', message: `no complete response within ${timeoutMs / 1000} s` };
  }
  const err = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code =
    typeof err.code === 'string' ? err.code : typeof err.cause?.code === 'string' ? err.cause.code : 'network_error';
  const message = typeof err.message === 'string' && err.message !== '' ? err.message : String(error);
  const hint = errorHints[code];
  return { code, message: hint === undefined ? message : `${message} (${hint})` };
}

const untrustedCertificate =
  'the dispatcher does not trust this certificate: use one from a public CA; in development, start the dispatcher with NODE_EXTRA_CA_CERTS=<your CA file>';
const unknownHost =
  'the host name does not resolve; in development, start the dispatcher with WEBHOOK_RESOLVE=<host>:127.0.0.1';

/** What to do about the errors a person setting up an endpoint meets first. */
const errorHints: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: untrustedCertificate,
  SELF_SIGNED_CERT_IN_CHAIN: untrustedCertificate,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrustedCertificate,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrustedCertificate,
  ENOTFOUND: unknownHost,
};
