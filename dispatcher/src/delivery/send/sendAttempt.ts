import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { signWebhook } from '@spir-webhooks/shared-types';
import type { ClaimedDelivery } from '../../store/storeQueueTypes';
import type { DecodedAttempt } from '../../store/storeTypes';
import { storableText } from '../../store/storeRows';

export const dispatcherVersion = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
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
  /**
   * Add hints that name the operator's variables (NODE_EXTRA_CA_CERTS, WEBHOOK_RESOLVE) to errors:
   * for development only (WEBHOOK_RESOLVE set), since tenants read these errors too.
   */
  developmentHints?: boolean;
}

/** What one attempt sends: the delivery with its secrets opened, and its span's trace headers when traced. */
export type AttemptRequest = Pick<ClaimedDelivery, 'url' | 'webhookEventId' | 'body' | 'secrets'> & {
  traceHeaders?: Record<string, string>;
};

// The agent takes an origin and a path, parsed here once per webhook URL: undici's top-level
// request() parses the URL and copies the options at every call, a large share of an attempt's CPU.
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

/**
 * One signed POST of a delivery, bounded by `timeoutMs` from the call to the last body byte.
 *
 * Dispatched with a handler of its own rather than through undici's request(): its response
 * stream, its promise for the body and the AbortController its bound needed cost the sending
 * thread much of its CPU per attempt (bench/history.md, "Behind the comments").
 */
export function sendAttempt(delivery: AttemptRequest, options: SendAttemptOptions): Promise<AttemptOutcome> {
  const { startedAt, timeoutMs } = options;
  const started = performance.now();
  const requestHeaders: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    ...delivery.traceHeaders,
    ...signWebhook({
      webhookEventId: delivery.webhookEventId,
      body: delivery.body,
      timestamp: new Date(startedAt),
      secrets: delivery.secrets,
    }),
  };
  return new Promise((resolve) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let seenBytes = 0;

    const finish = (rest: Pick<AttemptOutcome, 'response' | 'error' | 'succeeded'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        startedAt,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
        requestHeaders,
        ...rest,
      });
    };
    const answered = () =>
      finish({
        response: {
          status,
          headers: flattenHeaders(responseHeaders),
          // Logged as text: bytes that are not UTF-8 become U+FFFD, and so does a NUL byte (a binary
          // answer's NUL failed, on PostgreSQL, every record of the worker's attempts from then on).
          body: storableText(Buffer.concat(kept).toString('utf8')),
        },
        error: null,
        succeeded: status >= 200 && status < 300,
      });
    const failed = (error: unknown) =>
      finish({ response: null, error: describeError(error, options.developmentHints === true), succeeded: false });

    // A request still waiting for a connection has no controller yet: it is aborted when it gets one.
    const timer = setTimeout(() => {
      finish({ response: null, error: timeoutError(timeoutMs), succeeded: false });
      controller?.abort(new Error('attempt timed out'));
    }, timeoutMs).unref();

    try {
      options.agent.dispatch(
        {
          ...targetOf(delivery.url),
          method: 'POST',
          headers: requestHeaders,
          body: delivery.body,
          // Lets an HTTP/2 connection carry this POST beside others (undici runs a non-idempotent
          // request alone on its connection). A delivery may arrive more than once by design: the
          // receiver deduplicates by webhook-id. HTTP/1.1 connections are never pipelined (originPools.ts).
          idempotent: true,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        {
          onRequestStart(requestController) {
            controller = requestController;
            if (settled) requestController.abort(new Error('attempt timed out'));
          },
          // Called again after a 1xx answer: the last one is the answer.
          onResponseStart(_controller, statusCode, headers) {
            status = statusCode;
            responseHeaders = headers;
          },
          onResponseData(current, chunk) {
            seenBytes += chunk.length;
            if (keptBytes < maxLoggedResponseBytes) {
              const part = chunk.subarray(0, maxLoggedResponseBytes - keptBytes);
              kept.push(part);
              keptBytes += part.length;
            }
            if (seenBytes > maxDrainedResponseBytes) {
              answered();
              current.abort(new Error('response body past what is drained'));
            }
          },
          onResponseEnd: answered,
          onResponseError: (_controller, error) => failed(error),
        },
      );
    } catch (error) {
      failed(error);
    }
  });
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function timeoutError(timeoutMs: number): { code: string; message: string } {
  return { code: 'timeout', message: `no complete response within ${timeoutMs / 1000} s` };
}

function describeError(error: unknown, developmentHints: boolean): { code: string; message: string } {
  const err = error as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code =
    typeof err.code === 'string' ? err.code : typeof err.cause?.code === 'string' ? err.cause.code : 'network_error';
  const message = typeof err.message === 'string' && err.message !== '' ? err.message : String(error);
  const hint = developmentHints ? developmentHintsByCode[code] : undefined;
  return { code, message: hint === undefined ? message : `${message} (${hint})` };
}

const untrustedCertificate =
  'the dispatcher does not trust this certificate: use one from a public CA; in development, start the dispatcher with NODE_EXTRA_CA_CERTS=<your CA file>';
const unknownHost = 'in development, start the dispatcher with WEBHOOK_RESOLVE=<host>:127.0.0.1';

/** What a developer running the dispatcher on their machine does about the errors met first. */
const developmentHintsByCode: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: untrustedCertificate,
  SELF_SIGNED_CERT_IN_CHAIN: untrustedCertificate,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrustedCertificate,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrustedCertificate,
  blocked_address: unknownHost,
};
