import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator, setGlobalErrorHandler } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { dispatcherVersion } from '../delivery/send/sendAttempt';
import type { AttemptSpan, IngestSpan, Tracing } from './tracing';
import type { TracingConfig } from './tracingConfig';
import { ingestPath } from '../ingest/ingestHandler';

// The OpenTelemetry SDK behind `Tracing` (ops/tracing.ts), loaded only when tracing is configured.
// Attribute names follow the OpenTelemetry semantic conventions for HTTP (stable since 1.23);
// Spir's own are under `spir.`. No span carries a secret, a signature, a body or a person's data:
// a webhook URL's query (which may hold a token) and credentials are redacted.

const propagator = new W3CTraceContextPropagator();
/** Export failures are logged at most this often: a collector that is down must not flood the log. */
const exportErrorLogMs = 60_000;

function samplerOf({ name, ratio }: TracingConfig['sampler']): Sampler {
  const root = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/** The context an event was ingested in, as the store kept it; a root where none (or none readable) is. */
function storedContext(traceContext: string | null): Context {
  if (traceContext === null) return ROOT_CONTEXT;
  try {
    return propagator.extract(ROOT_CONTEXT, JSON.parse(traceContext) as object, defaultTextMapGetter);
  } catch {
    // Tracing never stands in a delivery's way: an unreadable context starts a trace of its own.
    return ROOT_CONTEXT;
  }
}

/** A webhook URL as a span shows it: credentials and the query (a token, often) redacted. */
function urlAttributes(url: string): Record<string, string | number> {
  const parsed = URL.parse(url);
  if (parsed === null) return {};
  const credentials = parsed.username !== '' || parsed.password !== '' ? 'REDACTED:REDACTED@' : '';
  return {
    'url.full': `${parsed.protocol}//${credentials}${parsed.host}${parsed.pathname}${parsed.search === '' ? '' : '?REDACTED'}`,
    'server.address': parsed.hostname,
    'server.port': parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port),
  };
}

export function startOtelTracing(config: TracingConfig, logger: Logger): Tracing {
  const exporterOptions = { url: config.tracesUrl, headers: config.headers };
  const exporter =
    config.protocol === 'http/json' ? new JsonExporter(exporterOptions) : new ProtobufExporter(exporterOptions);
  const provider = new TracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...config.resourceAttributes,
        'service.name': config.serviceName,
        'service.version': dispatcherVersion,
        // Tells apart the dispatchers on one shared store: which one sent an attempt.
        'service.instance.id': randomUUID(),
      }),
    ),
    sampler: samplerOf(config.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...config.batch })],
  });
  const tracer = provider.getTracer('spir-webhooks-dispatcher', dispatcherVersion);
  let lastErrorLogged = 0;
  setGlobalErrorHandler((error) => {
    if (Date.now() - lastErrorLogged < exportErrorLogMs) return;
    lastErrorLogged = Date.now();
    logger.warn(
      { err: error, endpoint: config.tracesUrl },
      'exporting traces failed; spans are dropped until the collector answers (at most one such line a minute)',
    );
  });
  const active = new AsyncLocalStorage<Record<string, string>>();
  const idsOf = (span: Span) => {
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  };
  const headersOf = (span: Span) => {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return carrier;
  };

  function startIngest(req: IncomingMessage, res: ServerResponse): IngestSpan {
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const span = tracer.startSpan(
      `POST ${ingestPath}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'POST',
          'http.route': ingestPath,
          'url.path': ingestPath,
          'url.scheme': 'http',
          'network.protocol.version': req.httpVersion,
          'server.port': req.socket.localPort ?? 0,
        },
      },
      parent,
    );
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      // A server span is an error only when the server failed (5xx); a refused request is not.
      if (res.statusCode >= 500) {
        span.setAttribute('error.type', String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
    const spanContext: Context = trace.setSpan(ROOT_CONTEXT, span);
    const ids = idsOf(span);
    return {
      run: (work) => active.run(ids, work),
      describe(event) {
        span.setAttributes({
          'spir.team.id': event.teamId,
          'spir.webhook_event.id': event.webhookEventId,
          'spir.event.name': event.eventName,
        });
      },
      traceContext: JSON.stringify(headersOf(span)),
      async inStore(engine, work) {
        const storeSpan = tracer.startSpan(
          'store recordEvent',
          {
            kind: SpanKind.INTERNAL,
            attributes: {
              'db.system.name': engine === 'postgres' ? 'postgresql' : 'sqlite',
              'db.operation.name': 'recordEvent',
            },
          },
          spanContext,
        );
        try {
          const recorded = await work();
          storeSpan.setAttributes({
            'spir.event.duplicate': !recorded.created,
            'spir.deliveries': recorded.deliveryIds.length,
          });
          return recorded;
        } catch (error) {
          // The error's kind only: a store's message may quote the values it refused.
          storeSpan.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
          storeSpan.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          storeSpan.end();
        }
      },
    };
  }

  function startAttempt(delivery: Parameters<Tracing['startAttempt']>[0], startedAt: number): AttemptSpan {
    // The context the event was ingested in, stored with it: the attempt joins that trace on any
    // dispatcher, however much later. An event ingested untraced starts a trace of its own.
    const parent = storedContext(delivery.traceContext);
    const span = tracer.startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        startTime: startedAt,
        attributes: {
          'http.request.method': 'POST',
          ...urlAttributes(delivery.url),
          ...(delivery.attemptNumber > 1 ? { 'http.request.resend_count': delivery.attemptNumber - 1 } : {}),
          'spir.team.id': delivery.teamId,
          'spir.webhook.id': delivery.webhookId,
          'spir.webhook_event.id': delivery.webhookEventId,
          'spir.event.name': delivery.eventName,
          'spir.delivery.id': delivery.id,
          'spir.delivery.round': delivery.round,
          'spir.delivery.attempt': delivery.attemptNumber,
        },
      },
      parent,
    );
    const ids = idsOf(span);
    return {
      headers: headersOf(span),
      run: (work) => active.run(ids, work),
      end(outcome, next) {
        const status = outcome.response?.status;
        span.setAttribute('spir.delivery.next', next.kind);
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (!outcome.succeeded) {
          // A client span's error.type: the status when one came back, else the error's code.
          const errorType = status !== undefined ? String(status) : (outcome.error?.code ?? 'network_error');
          span.setAttribute('error.type', errorType);
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: status === undefined ? outcome.error?.message : `answered ${status}`,
          });
        }
        span.end(outcome.startedAt + outcome.durationMs);
      },
    };
  }

  return {
    startIngest,
    startAttempt,
    logFields: () => active.getStore() ?? {},
    shutdown: () => provider.shutdown(),
  };
}
