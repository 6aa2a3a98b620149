import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AttemptOutcome } from '../delivery/send/sendAttempt';
import type { ClaimedDelivery } from '../store/storeQueueTypes';
import type { NextStep } from '../store/storeTypes';
import type { TracingConfig } from './tracingConfig';
import type * as OtelTracing from './otelTracing';

/**
 * OpenTelemetry traces (docs/operations.md, "Traces"): one trace from Spir's core through ingest,
 * the store and every attempt of the event. Undefined when not configured, and every caller then
 * skips it with one check: the SDK is not even loaded.
 */
export interface Tracing {
  /** The ingest request's server span, continuing the `traceparent` Spir's core sent; ends when the answer is sent. */
  startIngest(req: IncomingMessage, res: ServerResponse): IngestSpan;
  /** One attempt's client span, a child of the trace the event was ingested in (`traceContext`). */
  startAttempt(delivery: ClaimedDelivery, startedAt: number): AttemptSpan;
  /** `trace_id` and `span_id` of the span the calling code runs in (pino's mixin); none outside spans. */
  logFields(): Record<string, string>;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

export interface IngestSpan {
  /** Runs `work` with this span active: log lines written meanwhile carry its ids. */
  run<T>(work: () => T): T;
  /** Names the event once the body is parsed. */
  describe(event: { teamId: string; webhookEventId: string; eventName: string }): void;
  /** This span's W3C trace context as the store keeps it with the event (NewEvent.traceContext). */
  readonly traceContext: string;
  /** Runs the store's transaction in a child span of its own. */
  inStore<T extends { created: boolean; deliveryIds: readonly string[] }>(
    engine: string,
    work: () => Promise<T>,
  ): Promise<T>;
}

export interface AttemptSpan {
  /** `traceparent` (and `tracestate`) of this span: the attempt's request carries them. */
  readonly headers: Record<string, string>;
  /** Runs `work` with this span active: log lines written meanwhile carry its ids. */
  run<T>(work: () => T): T;
  end(outcome: AttemptOutcome, next: NextStep): void;
}

/** Starts tracing as configured, or returns undefined when it is off. */
export function startTracing(config: TracingConfig | undefined, logger: Logger): Tracing | undefined {
  if (config === undefined) return undefined;
  // Loaded only when configured, so that a dispatcher without tracing does not load the SDK at all.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, on purpose
  const { startOtelTracing } = require('./otelTracing') as typeof OtelTracing;
  return startOtelTracing(config, logger);
}
