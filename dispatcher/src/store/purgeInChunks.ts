/**
 * The retention job's deletes, in chunks of a few hundred rows, each its own transaction, with
 * the event loop free between them: one transaction per day of history held the writer (and on
 * SQLite the event loop) for seconds, and every ingest waited behind it. The order is the rule:
 * deliveries with their attempts and sent failure emails, then events no delivery refers to, then
 * health counters and deleted webhooks; each engine holds only the SQL of each step.
 */
export interface PurgeSteps {
  /** Up to `limit` finished deliveries last changed before `cutoff`, with their attempts and events. */
  deliveries(cutoff: number, limit: number): Promise<{ deliveries: number; attempts: number; events: number }>;
  /** Up to `limit` events received before `cutoff` that no delivery refers to. */
  events(cutoff: number, limit: number): Promise<number>;
  /** Up to `limit` health counters of hours before `cutoff`. */
  healthHours(cutoff: number, limit: number): Promise<number>;
  /** Webhooks deleted before `cutoff` that nothing refers to, and expired console sign-ins. */
  rest(cutoff: number): Promise<number>;
}

export interface Purged {
  deliveries: number;
  attempts: number;
  events: number;
  deletedWebhooks: number;
}

/** Rows per transaction: small enough that an ingest waiting behind one waits a few milliseconds. */
const purgeChunkRows = 500;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function purgeInChunks(steps: PurgeSteps, cutoff: number, limit = purgeChunkRows): Promise<Purged> {
  const purged: Purged = { deliveries: 0, attempts: 0, events: 0, deletedWebhooks: 0 };
  for (;;) {
    const chunk = await steps.deliveries(cutoff, limit);
    purged.deliveries += chunk.deliveries;
    purged.attempts += chunk.attempts;
    purged.events += chunk.events;
    if (chunk.deliveries < limit) break;
    await nextTurn();
  }
  for (;;) {
    const events = await steps.events(cutoff, limit);
    purged.events += events;
    if (events < limit) break;
    await nextTurn();
  }
  while ((await steps.healthHours(cutoff, limit)) >= limit) await nextTurn();
  purged.deletedWebhooks = await steps.rest(cutoff);
  return purged;
}
