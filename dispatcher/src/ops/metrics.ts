import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueDepth } from '../store/storeQueueTypes';
import type { QueueStore } from '../store/store';
import type { FailingStore } from '../store/failingStore';

/** The dispatcher's Prometheus metrics, one registry per dispatcher (no globals). */
export function createMetrics(
  { queue, failing }: { queue: QueueStore; failing: Pick<FailingStore, 'countFailing'> },
  now: () => number,
) {
  const registry = new Registry();
  // The event-loop lag histogram samples the loop every 10 ms by default: a hundred wake-ups a
  // second, much of an idle dispatcher's main-thread CPU (bench/history.md, "Idle"). A loop
  // blocked long enough to matter still shows at a quarter of a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 250 });
  let lastDepth: QueueDepth = {
    due: 0,
    inFlight: 0,
    oldestDueAt: null,
    failureEmailsPending: 0,
    oldestFailureEmailAt: null,
  };
  let storeUp = 1;
  let readAt = now();
  // One read of the store per scrape, shared by every gauge below (prom-client collects them
  // concurrently); a store that cannot answer keeps the last figures and reads as down, rather
  // than failing the whole scrape.
  let reading: Promise<void> | undefined;
  const refreshDepth = () =>
    (reading ??= (async () => {
      readAt = now();
      try {
        lastDepth = await queue.queueDepth(readAt);
        storeUp = 1;
      } catch {
        storeUp = 0;
      }
    })().finally(() => {
      reading = undefined;
    }));
  const ageSeconds = (since: number | null) => (since === null ? 0 : Math.max(0, (readAt - since) / 1000));
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
    storeUp: new Gauge({
      name: 'spir_webhook_store_up',
      help: 'Whether the store answered the last scrape (1) or not (0).',
      registers: [registry],
      async collect() {
        await refreshDepth();
        this.set(storeUp);
      },
    }),
    oldestDueAge: new Gauge({
      name: 'spir_webhook_oldest_due_delivery_age_seconds',
      help: 'How long the longest-waiting due delivery has waited to be sent (0 when none is due).',
      registers: [registry],
      async collect() {
        await refreshDepth();
        this.set(ageSeconds(lastDepth.oldestDueAt));
      },
    }),
    failureEmailsPending: new Gauge({
      name: 'spir_webhook_failure_emails_pending',
      help: 'Failure emails written to the outbox and not yet sent.',
      registers: [registry],
      async collect() {
        await refreshDepth();
        this.set(lastDepth.failureEmailsPending);
      },
    }),
    oldestFailureEmailAge: new Gauge({
      name: 'spir_webhook_oldest_failure_email_age_seconds',
      help: 'How long the oldest unsent failure email has waited (0 when none is).',
      registers: [registry],
      async collect() {
        await refreshDepth();
        this.set(ageSeconds(lastDepth.oldestFailureEmailAt));
      },
    }),
    finalFailures: new Counter({
      name: 'spir_webhook_final_failures_total',
      help: 'Deliveries that failed after every retry, by team (only teams with a failure appear).',
      labelNames: ['team'] as const,
      registers: [registry],
    }),
    webhooksFailing: new Gauge({
      name: 'spir_webhook_failing_webhooks',
      help: 'Live webhooks failing now (from their first final failure until they answer 2xx again), by whether they redeliver on their own.',
      labelNames: ['auto_redeliver'] as const,
      registers: [registry],
      async collect() {
        try {
          const { redelivering, manual } = await failing.countFailing();
          this.set({ auto_redeliver: 'true' }, redelivering);
          this.set({ auto_redeliver: 'false' }, manual);
        } catch {
          // spir_webhook_store_up says the store did not answer; the last figures stay.
        }
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
      async collect() {
        await refreshDepth();
        this.set(lastDepth.inFlight);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
