import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { addTeamWithWebhook, spawnDispatcher, type DispatcherProcess } from '../testing/dispatcherProcess';
import { freePort } from '../testing/freePort';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startOtlpReceiver, type ExportedSpan, type OtlpReceiver } from '../testing/otlpReceiver';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../testing/postgresServer';
import { testDatabaseUrl } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// Whole path: Spir's core sends an event with a traceparent; the first attempt fails, the second
// succeeds; a real OTLP/HTTP receiver (JSON encoding) gets one trace holding the ingest, the store
// and both attempts, and the webhook receiver sees each attempt's own traceparent.

const token = 'internal-token-for-tracing-tests';
const coreTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const coreSpanId = '00f067aa0ba902b7';
let folder: string;
let caFile: string;
let receiver: HttpsReceiver;
let otlp: OtlpReceiver;
const started: DispatcherProcess[] = [];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'spir-tracing-'));
  const ca = await createThrowawayCa();
  caFile = join(folder, 'ca.pem');
  writeFileSync(caFile, ca.caCert);
  receiver = await startHttpsReceiver(ca, ['receiver.test']);
  // Each event's first attempt fails, its second succeeds.
  receiver.answer = (request) => {
    const id = String(request.headers['webhook-id']);
    const earlier = receiver.received.filter((r) => String(r.headers['webhook-id']) === id).length;
    return earlier === 1 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' };
  };
  otlp = await startOtlpReceiver();
});

afterEach(async () => {
  for (const dispatcher of started.splice(0)) await dispatcher.kill();
});

afterAll(async () => {
  await receiver?.close();
  await otlp?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function startTraced(name: string, databaseUrl: string): Promise<DispatcherProcess> {
  const dispatcher = await spawnDispatcher(
    {
      DATABASE_URL: databaseUrl,
      DATA_DIR: join(folder, name),
      INTERNAL_API_TOKEN: token,
      WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1',
      NODE_EXTRA_CA_CERTS: caFile,
      RETRY_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'dispatcher-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
    await freePort(),
  );
  started.push(dispatcher);
  return dispatcher;
}

/** Spir's core's ingest, with its own trace's context. */
async function ingestTraced(dispatcher: DispatcherProcess, webhookEventId: string, parentSpanId: string) {
  const response = await fetch(`${dispatcher.internalUrl}/internal/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      traceparent: `00-${coreTraceId}-${parentSpanId}-01`,
      tracestate: 'spir=core',
    },
    body: JSON.stringify({
      teamId: 't1',
      urlKind: 'template',
      event: { ...cloneSample('form.answered'), webhookEventId },
    }),
  });
  expect(response.status).toBe(202);
}

/** The trace's four spans, once all are exported, checked for their shape and parentage. */
async function traceOf(webhookEventId: string, parentSpanId: string) {
  const spans = await waitFor(`the four spans of ${webhookEventId}`, () => {
    const ingest = otlp.spans.find((s) => s.kind === 2 && s.attributes['spir.webhook_event.id'] === webhookEventId);
    if (ingest === undefined) return undefined;
    const children = otlp.spans.filter((s) => s.parentSpanId === ingest.spanId);
    return children.length === 3 ? { ingest, children } : undefined;
  });
  const { ingest, children } = spans;
  expect(ingest).toMatchObject({
    traceId: coreTraceId,
    parentSpanId,
    name: 'POST /internal/v1/events',
    attributes: {
      'http.request.method': 'POST',
      'http.route': '/internal/v1/events',
      'http.response.status_code': 202,
      'spir.team.id': 't1',
      'spir.event.name': 'form.answered',
    },
  });
  const store = children.find((s) => s.name === 'store recordEvent');
  expect(store).toMatchObject({ traceId: coreTraceId, kind: 1, attributes: { 'spir.deliveries': 1 } });
  const attempts = children
    .filter((s) => s.kind === 3)
    .sort((a, b) => Number(a.attributes['spir.delivery.attempt']) - Number(b.attributes['spir.delivery.attempt']));
  expect(attempts.map((s) => [s.traceId, s.name, s.attributes['http.response.status_code'], s.statusCode])).toEqual([
    [coreTraceId, 'POST', 503, 2],
    [coreTraceId, 'POST', 200, 0],
  ]);
  for (const [i, attempt] of attempts.entries()) {
    expect(attempt.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': 'receiver.test',
      'server.port': receiver.port,
      'url.full': `https://receiver.test:${receiver.port}/hook`,
      'spir.team.id': 't1',
      'spir.webhook_event.id': webhookEventId,
      'spir.delivery.round': 1,
      'spir.delivery.attempt': i + 1,
    });
    expect(typeof attempt.attributes['spir.webhook.id']).toBe('string');
  }
  expect(attempts[0]!.attributes['error.type']).toBe('503');
  expect(attempts[1]!.attributes['http.request.resend_count']).toBe(1);
  return { ingest, attempts };
}

/** Each attempt the receiver saw carried its own span's traceparent, and Spir's core's tracestate. */
function expectReceiverSawAttemptSpans(webhookEventId: string, attempts: ExportedSpan[]) {
  const requests = receiver.received.filter((r) => JSON.parse(r.body).webhookEventId === webhookEventId);
  expect(requests.map((r) => [r.headers.traceparent, r.headers.tracestate])).toEqual(
    attempts.map((a) => [`00-${coreTraceId}-${a.spanId}-01`, 'spir=core']),
  );
  // Neither a signature nor the event's personal data reaches a span.
  const values = otlp.spans.flatMap((s) => Object.values(s.attributes).map(String)).join('\n');
  for (const request of requests) expect(values).not.toContain(String(request.headers['webhook-signature']));
  expect(values).not.toContain(cloneSample('form.answered').payload.invitee.email);
}

/** The dispatcher's JSON log line for an attempt carries that attempt span's ids. */
async function expectLoggedWithSpan(dispatcher: DispatcherProcess, attempt: ExportedSpan) {
  // Log lines are written out up to 250 ms after they are logged (ops/logger.ts).
  const logged = await waitFor(`the log line of attempt ${attempt.attributes['spir.delivery.attempt']}`, () =>
    dispatcher
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find(
        (line) =>
          line.event === 'attempt' &&
          line.webhookEventId === attempt.attributes['spir.webhook_event.id'] &&
          line.attempt === attempt.attributes['spir.delivery.attempt'],
      ),
  );
  expect(logged).toMatchObject({ trace_id: coreTraceId, span_id: attempt.spanId });
}

it('exports one trace of ingest, store and both attempts, and each request carries its attempt span', async () => {
  const dispatcher = await startTraced('one', await testDatabaseUrl(join(folder, 'one')));
  await addTeamWithWebhook(dispatcher, `https://receiver.test:${receiver.port}/hook`);
  await ingestTraced(dispatcher, 'traced-1', coreSpanId);

  const { attempts } = await traceOf('traced-1', coreSpanId);
  expectReceiverSawAttemptSpans('traced-1', attempts);
  expect(otlp.contentTypes.every((type) => type === 'application/json')).toBe(true);
  expect(attempts[0]!.resource['service.name']).toBe('dispatcher-under-test');
  for (const attempt of attempts) await expectLoggedWithSpan(dispatcher, attempt);
}, 30_000);

const postgresServer = process.env.TEST_DATABASE_URL !== undefined || postgresAvailable();

(postgresServer ? it : it.skip)(
  'on PostgreSQL, the retry another dispatcher sends joins the same trace',
  async () => {
    let postgres: TestPostgres | undefined;
    try {
      let databaseUrl: string;
      if (process.env.TEST_DATABASE_URL === undefined) {
        postgres = await startTestPostgres();
        databaseUrl = await postgres.createDatabase('tracing_two_dispatchers');
      } else databaseUrl = await testDatabaseUrl(folder);
      const first = await startTraced('first', databaseUrl);
      const second = await startTraced('second', databaseUrl);
      await addTeamWithWebhook(first, `https://receiver.test:${receiver.port}/hook`);
      const before = receiver.received.length;
      const parentSpanId = 'a1b2c3d4e5f60718';
      await ingestTraced(first, 'traced-pg', parentSpanId);
      // The first attempt fails on the first dispatcher, which then stops (recording it): the
      // retry, a second later, can only be sent by the second one.
      await receiver.waitForRequests(before + 1);
      await first.stop();

      const { ingest, attempts } = await traceOf('traced-pg', parentSpanId);
      expectReceiverSawAttemptSpans('traced-pg', attempts);
      expect(attempts[0]!.resource['service.instance.id']).toBe(ingest.resource['service.instance.id']);
      expect(attempts[1]!.resource['service.instance.id']).not.toBe(ingest.resource['service.instance.id']);
      await expectLoggedWithSpan(first, attempts[0]!);
      await expectLoggedWithSpan(second, attempts[1]!);
    } finally {
      for (const dispatcher of started.splice(0)) await dispatcher.kill();
      postgres?.stop();
    }
  },
  60_000,
);
