import express, { type Express } from 'express';
import {
  verifyWebhook,
  WebhookPayloadError,
  WebhookVerificationError,
  type DeviatingEvent,
  type WebhookEvent,
} from '@spir-webhooks/shared-types';
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

/**
 * POST <path>: raw body → Standard Webhooks verification → lenient parse → idempotency on
 * webhook-id → your handler → 200. The id is remembered only after the handler succeeded, so a
 * handler that throws (500) runs again on Spir's retry.
 */
export function createReceiverApp(options: ReceiverOptions): Express {
  const { secrets, handlers, idempotency, log } = options;
  const slowAfterMs = options.slowHandlerWarningMs ?? 25_000;
  const running = new Set<string>();
  const app = express();
  app.disable('x-powered-by');

  app.post(options.path, express.raw({ type: () => true, limit: maxBodyBytes }), async (req, res) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result: ReturnType<typeof verifyWebhook> | undefined;
    let lastError: unknown;
    for (const secret of secrets) {
      try {
        result = verifyWebhook({ secret, body, headers: req.headers });
        break;
      } catch (error) {
        lastError = error;
        if (!(error instanceof WebhookVerificationError)) break;
      }
    }
    if (result === undefined) {
      if (lastError instanceof WebhookPayloadError) {
        log({
          msg: 'rejected: body breaks the contract',
          webhookId: req.headers['webhook-id'],
          reason: lastError.message,
        });
        res.status(400).json({ error: 'invalid_payload', message: lastError.message });
      } else {
        log({ msg: 'rejected: signature', webhookId: req.headers['webhook-id'], reason: (lastError as Error).message });
        res.status(401).json({ error: 'invalid_signature', message: (lastError as Error).message });
      }
      return;
    }
    if (result.kind === 'unknown') {
      log({
        msg: 'ignored: unknown event name',
        webhookEventName: result.webhookEventName,
        webhookEventId: result.webhookEventId,
      });
      res.status(200).json({ ignored: true });
      return;
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
    if (idempotency.has(event.webhookEventId)) {
      res.status(200).json({ duplicate: true });
      return;
    }
    if (running.has(event.webhookEventId)) {
      // The same event is still being handled (Spir retried after its 30 s limit): try later.
      res.status(409).json({ error: 'in_progress', message: 'This event is still being handled.' });
      return;
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
      idempotency.remember(event.webhookEventId);
      log({
        msg: 'handled',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        durationMs: Date.now() - started,
      });
      res.status(200).json({ received: true });
    } catch (error) {
      log({
        msg: 'handler failed',
        webhookEventId: event.webhookEventId,
        webhookEventName: event.webhookEventName,
        error: (error as Error).message,
      });
      res.status(500).json({ error: 'handler_failed', message: 'The handler failed; Spir will retry.' });
    } finally {
      clearTimeout(slowTimer);
      running.delete(event.webhookEventId);
    }
  });

  app.use(
    (
      error: { type?: string; status?: number },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (error.type === 'entity.too.large') {
        res.status(413).json({ error: 'payload_too_large', message: `Bodies over ${maxBodyBytes} bytes are refused.` });
        return;
      }
      next(error);
    },
  );
  return app;
}
