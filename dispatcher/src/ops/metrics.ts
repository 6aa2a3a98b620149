import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/storeTypes';

/** The dispatcher's Prometheus metrics, one registry per dispatcher (no globals). */
export function createMetrics(store: Store, now: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let lastDepth = { due: 0, inFlight: 0 };
  const refreshDepth = async () => {
    lastDepth = await store.queueDepth(now());
  };
  return {
    registry,
    deliveriesFinished: new Counter({
      name: 'spir_webhook_deliveries_finished_total',
      help: 'Deliveries that reached a final state, by outcome (succeeded or failed after every retry).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    attempts: new Counter({
      name: 'spir_webhook_attempts_total',
      help: 'Delivery attempts, by outcome (succeeded, retry, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'spir_webhook_attempt_duration_seconds',
      help: 'Duration of one delivery attempt, from connect to the last response byte.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    eventsIngested: new Counter({
      name: 'spir_webhook_events_ingested_total',
      help: 'Events accepted by the ingest API (a repeated webhookEventId is not counted again).',
      registers: [registry],
    }),
    contractDeviations: new Counter({
      name: 'spir_webhook_contract_deviations_total',
      help: 'Deviations from the typed contract in ingested events (delivered as sent), by event name and path (array indexes as []).',
      labelNames: ['event', 'path'] as const,
      registers: [registry],
    }),
    failureEmails: new Counter({
      name: 'spir_webhook_failure_emails_total',
      help: 'Failure emails to team administrators, by outcome (sent, or retry after a mail error).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    queueDue: new Gauge({
      name: 'spir_webhook_queue_due',
      help: 'Pending deliveries whose attempt is due and not yet claimed.',
      registers: [registry],
      async collect() {
        await refreshDepth();
        this.set(lastDepth.due);
      },
    }),
    attemptsUnanswered: new Gauge({
      name: 'spir_webhook_attempts_unanswered',
      help: 'Attempts in flight for more than a second without an answer (slow or hung endpoints), in this process.',
      registers: [registry],
    }),
    queueInFlight: new Gauge({
      name: 'spir_webhook_queue_in_flight',
      help: 'Deliveries claimed under a lease by a worker.',
      registers: [registry],
      collect() {
        this.set(lastDepth.inFlight);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
