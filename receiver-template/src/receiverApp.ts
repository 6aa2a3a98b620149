import { Hono } from 'hono';
import type { ContractDeviation, DeviatingEvent } from './contract/contractDeviations';
import { parseWebhookEventLeniently } from './contract/lenientParse';
import type { WebhookEvent } from './contract/schemas';
import { verifyWebhook, WebhookPayloadError, WebhookVerificationError } from './contract/signing';
import { describeDeviations } from './deviatingEvents';
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

/** Handled (and by what), or refused with the deviations that stand in the way. */
type Outcome = { handledBy: string } | { refusal: string; deviations: ContractDeviation[] };

function dispatch(handlers: Handlers, event: WebhookEvent, log: Log): Promise<void> {
  switch (event.webhookEventName) {
    case 'event.confirmed':
      return handlers.onEventConfirmed(event, { log });
    case 'event.canceled':
      return handlers.onEventCanceled(event, { log });
    case 'form.answered':
      return handlers.onFormAnswered(event, { log });
  }
}

function refused(event: DeviatingEvent, deviations: ContractDeviation[], why: string): Outcome {
  return {
    deviations,
    refusal:
      `${event.webhookEventName} ${event.webhookEventId} deviates from the typed contract this receiver was written for: ` +
      `${describeDeviations(deviations)}. ${why}, so this receiver refuses it and Spir will retry it: ` +
      'accept it in onDeviatingEvent (src/handlers.ts; README, "When an event deviates") and deploy.',
  };
}

/**
 * A conforming event goes to its typed handler. A deviating one is refused unless
 * onDeviatingEvent accepts it: a loss the receiver would otherwise acknowledge silently
 * (contract.md, "When Spir's traffic does not match this contract").
 */
async function handle(handlers: Handlers, received: Received, log: Log): Promise<Outcome> {
  if (received.kind === 'event') {
    await dispatch(handlers, received.event, log);
    return { handledBy: 'typed handler' };
  }
  const event = received.event;
  const decision = await handlers.onDeviatingEvent(event, { log });
  if (!decision) return refused(event, event.deviations, 'onDeviatingEvent did not accept it');
  if ('acknowledged' in decision) return { handledBy: 'onDeviatingEvent' };
  const { webhookEventName, webhookEventId } = event;
  const corrected = parseWebhookEventLeniently({
    webhookEventName,
    webhookEventId,
    payload: decision.correctedPayload,
  });
  if (corrected.kind !== 'event') {
    const left =
      corrected.kind === 'deviating'
        ? corrected.event.deviations
        : [{ path: 'payload', problem: 'not an event payload' }];
    return refused(event, left, 'The payload onDeviatingEvent corrected still deviates');
  }
  await dispatch(handlers, corrected.event, log);
  return { handledBy: 'typed handler, corrected by onDeviatingEvent' };
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
      return c.json(
        { error: { code: 'payload_too_large', message: `Bodies over ${maxBodyBytes} bytes are refused.` } },
        413,
      );
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
        return c.json({ error: { code: 'invalid_payload', message: reason } }, 400);
      }
      log({ msg: 'rejected: signature', webhookId: headers['webhook-id'], reason });
      return c.json({ error: { code: 'invalid_signature', message: reason } }, 401);
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
    const about = { webhookEventId: event.webhookEventId, webhookEventName: event.webhookEventName };
    if (await idempotency.has(event.webhookEventId)) {
      log({ msg: 'skipped: already handled', ...about });
      return c.json({ duplicate: true }, 200);
    }
    if (running.has(event.webhookEventId)) {
      // The same event is still being handled (Spir retried after its 30 s limit): try later.
      log({ msg: 'skipped: still being handled', ...about });
      return c.json({ error: { code: 'in_progress', message: 'This event is still being handled.' } }, 409);
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
      const outcome = await handle(handlers, result, log);
      if ('refusal' in outcome) {
        log({ msg: 'refused: deviates from the typed contract', ...about, reason: outcome.refusal });
        const error = {
          code: 'deviating_event',
          message: outcome.refusal,
          details: { deviations: outcome.deviations },
        };
        return c.json({ error }, 503);
      }
      await idempotency.remember(event.webhookEventId);
      log({ msg: 'handled', ...about, by: outcome.handledBy, durationMs: Date.now() - started });
      return c.json({ received: true }, 200);
    } catch (error) {
      log({ msg: 'handler failed', ...about, error: (error as Error).message });
      return c.json({ error: { code: 'handler_failed', message: 'The handler failed; Spir will retry.' } }, 500);
    } finally {
      clearTimeout(slowTimer);
      running.delete(event.webhookEventId);
    }
  });
  return app;
}
