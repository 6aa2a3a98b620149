import { Hono } from 'hono';
import type { DeviatingEvent } from './contract/contractDeviations';
import type { WebhookEvent } from './contract/schemas';
import { verifyWebhook, WebhookPayloadError, WebhookVerificationError } from './contract/signing';
import type { Handlers } from './handlers';
import type { IdempotencyStore } from './idempotency';
import type { Log } from './log';

const maxBodyBytes = 1024 * 1024;

export interface ReceiverOptions {
  /** Every secret valid for this URL; a request signed with any of them is accepted. */
  secrets: readonly string[];
  path: string;
  handlers: Handlers;
  idempotency: IdempotencyStore;
  log: Log;
  /** A handler still running after this long is reported: Spir stops waiting at 30 s. */
  slowHandlerWarningMs?: number;
}

type Received = { kind: 'event'; event: WebhookEvent } | { kind: 'deviating'; event: DeviatingEvent };

function dispatch(handlers: Handlers, received: Received, log: Log): Promise<void> {
  if (received.kind === 'deviating') return handlers.onDeviatingEvent(received.event, { log });
  const event = received.event;
  switch (event.webhookEventName) {
    case 'event.confirmed':
      return handlers.onEventConfirmed(event, { log });
    case 'event.canceled':
      return handlers.onEventCanceled(event, { log });
    case 'form.answered':
      return handlers.onFormAnswered(event, { log });
  }
}

/** The raw body, or undefined past `limit` bytes (read no further than that). */
async function readBody(request: Request, limit: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return undefined;
  if (request.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * POST <path>: raw body → Standard Webhooks verification → lenient parse → idempotency on
 * webhook-id → your handler → 200. The id is remembered only after the handler succeeded, so a
 * handler that throws (500) runs again on Spir's retry. Written once on web-standard Request and
 * Response (Hono), and served by Node (main.ts), Workers, Deno and Bun (fetch.ts) and Lambda (lambda.ts).
 */
export function createReceiverApp(options: ReceiverOptions): Hono {
  const { secrets, handlers, idempotency, log } = options;
  const slowAfterMs = options.slowHandlerWarningMs ?? 25_000;
  const running = new Set<string>();
  const app = new Hono();

  app.post(options.path, async (c) => {
    const body = await readBody(c.req.raw, maxBodyBytes);
    if (body === undefined) {
      return c.json({ error: 'payload_too_large', message: `Bodies over ${maxBodyBytes} bytes are refused.` }, 413);
    }
    const headers = Object.fromEntries(c.req.raw.headers);
    let result: ReturnType<typeof verifyWebhook> | undefined;
    let lastError: unknown;
    for (const secret of secrets) {
      try {
        result = verifyWebhook({ secret, body, headers });
        break;
      } catch (error) {
        lastError = error;
        if (!(error instanceof WebhookVerificationError)) break;
      }
    }
    if (result === undefined) {
      const reason = (lastError as Error).message;
      if (lastError instanceof WebhookPayloadError) {
        log({ msg: 'rejected: body is no deliverable event', webhookId: headers['webhook-id'], reason });
        return c.json({ error: 'invalid_payload', message: reason }, 400);
      }
      log({ msg: 'rejected: signature', webhookId: headers['webhook-id'], reason });
      return c.json({ error: 'invalid_signature', message: reason }, 401);
    }
    if (result.kind === 'unknown') {
      log({
        msg: 'ignored: unknown event name',
        webhookEventName: result.webhookEventName,
        webhookEventId: result.webhookEventId,
      });
      return c.json({ ignored: true }, 200);
    }

    const event = result.event;
    if (result.kind === 'deviating') {
      log({
        msg: 'event deviates from the typed contract',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        deviations: result.event.deviations,
      });
    }
    if (await idempotency.has(event.webhookEventId)) return c.json({ duplicate: true }, 200);
    if (running.has(event.webhookEventId)) {
      // The same event is still being handled (Spir retried after its 30 s limit): try later.
      return c.json({ error: 'in_progress', message: 'This event is still being handled.' }, 409);
    }
    running.add(event.webhookEventId);
    const started = Date.now();
    const slowTimer = setTimeout(() => {
      log({
        msg: 'handler still running',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        runningMs: Date.now() - started,
        hint: 'Spir stops waiting at 30 s and retries; queue slow work and return (README, "Slow work")',
      });
    }, slowAfterMs);
    try {
      await dispatch(handlers, result, log);
      await idempotency.remember(event.webhookEventId);
      log({
        msg: 'handled',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        durationMs: Date.now() - started,
      });
      return c.json({ received: true }, 200);
    } catch (error) {
      log({
        msg: 'handler failed',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        error: (error as Error).message,
      });
      return c.json({ error: 'handler_failed', message: 'The handler failed; Spir will retry.' }, 500);
    } finally {
      clearTimeout(slowTimer);
      running.delete(event.webhookEventId);
    }
  });
  return app;
}
