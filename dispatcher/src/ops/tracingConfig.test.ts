import { ConfigError } from '@spir-webhooks/shared-types';
import { parseConfig } from '../config';

describe('tracing configuration (OTEL_*)', () => {
  it('is off unless an OTLP endpoint is named, and off again when disabled', () => {
    expect(parseConfig({}).tracing).toBeUndefined();
    expect(parseConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' }).tracing).toBeUndefined();
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(parseConfig(endpoint).tracing).toBeDefined();
    expect(parseConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing).toBeUndefined();
    expect(parseConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeUndefined();
  });

  it('takes the standard defaults: OTLP/HTTP protobuf, parent-based always-on sampling, the traces path', () => {
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toMatchObject({
      tracesUrl: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      sampler: { name: 'parentbased_always_on', ratio: 1 },
      serviceName: 'spir-webhooks-dispatcher',
    });
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'otlp' }).tracing?.tracesUrl).toBe('http://localhost:4318/v1/traces');
  });

  it("uses the traces endpoint as it is, the signal's own settings first, and decodes key=value lists", () => {
    const tracing = parseConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=general,x-team=a%20b',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=traces',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=production,service.name=from-attributes',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    }).tracing;
    expect(tracing).toMatchObject({
      tracesUrl: 'https://traces.example.com/otlp',
      protocol: 'http/json',
      headers: { 'x-api-key': 'traces', 'x-team': 'a b' },
      sampler: { name: 'parentbased_traceidratio', ratio: 0.01 },
      serviceName: 'from-attributes',
      resourceAttributes: { 'deployment.environment.name': 'production' },
    });
  });

  it('refuses what it cannot do with a message that says what to set instead', () => {
    const on = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(() => parseConfig({ ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...on, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL must be http\/protobuf or http\/json/,
    );
    expect(() => parseConfig({ ...on, OTEL_TRACES_SAMPLER: 'jaeger_remote' })).toThrow(
      /OTEL_TRACES_SAMPLER must be one of always_on/,
    );
    expect(() => parseConfig({ ...on, OTEL_TRACES_SAMPLER_ARG: '5' })).toThrow(/ratio from 0 to 1/);
    expect(() => parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/http\(s\) URL/);
    expect(() => parseConfig({ ...on, OTEL_TRACES_EXPORTER: 'console' })).toThrow(/otlp or none/);
  });
});
