import { z } from 'zod';
import { ConfigError, configErrorFromIssues } from '@spir-webhooks/shared-types';

/** Where and how spans are exported, from the standard OTEL_* variables (docs/operations.md, "Traces"). */
export interface TracingConfig {
  /** The OTLP/HTTP traces URL, `/v1/traces` included. */
  tracesUrl: string;
  protocol: 'http/protobuf' | 'http/json';
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS: sent with each export (a backend's API key, say); never logged. */
  headers: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  resourceAttributes: Record<string, string>;
  /** OTEL_BSP_*: the batch span processor's queue, batch and timing. */
  batch: {
    maxQueueSize: number;
    maxExportBatchSize: number;
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
  };
}

const samplerNames = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
type SamplerName = (typeof samplerNames)[number];

const whole = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int({ error: `${name} must be a whole number` })
    .min(1, { error: `${name} must be at least 1` })
    .default(fallback);
const httpUrl = (name: string) =>
  z.url({
    protocol: /^https?$/,
    error: `${name} must be an http(s) URL of an OTLP/HTTP receiver, such as http://otel-collector:4318`,
  });
/** `key=value,key=value` with percent-encoded values (the W3C Baggage shape the variables use). */
const keyValueList = (name: string) =>
  z.string().transform((list, ctx) => {
    const pairs: Record<string, string> = {};
    for (const item of list.split(',').filter((part) => part.trim() !== '')) {
      const at = item.indexOf('=');
      if (at <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be key=value pairs separated by commas` });
        return z.NEVER;
      }
      try {
        pairs[item.slice(0, at).trim()] = decodeURIComponent(item.slice(at + 1).trim());
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} has a value that is not valid percent-encoding` });
        return z.NEVER;
      }
    }
    return pairs;
  });

const tracingEnv = z.object({
  OTEL_SDK_DISABLED: z.enum(['true', 'false'], { error: 'OTEL_SDK_DISABLED must be true or false' }).optional(),
  OTEL_TRACES_EXPORTER: z
    .enum(['otlp', 'none'], {
      error: 'OTEL_TRACES_EXPORTER must be otlp or none: the dispatcher exports traces over OTLP/HTTP only',
    })
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT').optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.string().optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.string().optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList('OTEL_EXPORTER_OTLP_HEADERS').optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList('OTEL_EXPORTER_OTLP_TRACES_HEADERS').optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(samplerNames, { error: `OTEL_TRACES_SAMPLER must be one of ${samplerNames.join(', ')}` })
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.01' })
    .min(0, { error: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.01' })
    .max(1, { error: 'OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1, such as 0.01' })
    .default(1),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList('OTEL_RESOURCE_ATTRIBUTES').optional(),
  OTEL_BSP_MAX_QUEUE_SIZE: whole('OTEL_BSP_MAX_QUEUE_SIZE', 2048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: whole('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
  OTEL_BSP_SCHEDULE_DELAY: whole('OTEL_BSP_SCHEDULE_DELAY', 5000),
  OTEL_BSP_EXPORT_TIMEOUT: whole('OTEL_BSP_EXPORT_TIMEOUT', 30000),
});

const protocols = ['http/protobuf', 'http/json'] as const;

/**
 * Tracing is off unless an OTLP endpoint is named (or OTEL_TRACES_EXPORTER=otlp asks for the
 * default one); OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off whatever else is set.
 */
export function parseTracingConfig(env: Readonly<Record<string, string | undefined>>): TracingConfig | undefined {
  const result = tracingEnv.safeParse(env);
  if (!result.success) throw configErrorFromIssues(result.error.issues);
  const e = result.data;
  const named = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (e.OTEL_SDK_DISABLED === 'true' || e.OTEL_TRACES_EXPORTER === 'none') return undefined;
  if (named === undefined && e.OTEL_TRACES_EXPORTER === undefined) return undefined;
  const protocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (!(protocols as readonly string[]).includes(protocol)) {
    const variable = `OTEL_EXPORTER_OTLP_${e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL === undefined ? '' : 'TRACES_'}PROTOCOL`;
    throw new ConfigError(
      `${variable} must be http/protobuf or http/json (a collector's OTLP/HTTP receiver, port 4318 by default): the dispatcher does not export over ${protocol}`,
    );
  }
  // The signal's own endpoint is used as it is; the general one gets the traces path appended.
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    `${(e.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return {
    tracesUrl,
    protocol: protocol as TracingConfig['protocol'],
    headers: { ...e.OTEL_EXPORTER_OTLP_HEADERS, ...e.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG },
    // As the specification orders it: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES' service.name.
    serviceName: e.OTEL_SERVICE_NAME ?? e.OTEL_RESOURCE_ATTRIBUTES?.['service.name'] ?? 'spir-webhooks-dispatcher',
    resourceAttributes: e.OTEL_RESOURCE_ATTRIBUTES ?? {},
    batch: {
      maxQueueSize: e.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: Math.min(e.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, e.OTEL_BSP_MAX_QUEUE_SIZE),
      scheduledDelayMillis: e.OTEL_BSP_SCHEDULE_DELAY,
      exportTimeoutMillis: e.OTEL_BSP_EXPORT_TIMEOUT,
    },
  };
}
