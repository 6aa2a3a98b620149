/**
 * The retention job's deletes, in chunks, each its own transaction, with the event loop free
 * between them: one transaction per day of history held the writer (and on SQLite the event loop)
 * for seconds, and every ingest waited behind it. The order is the rule: deliveries with their
 * attempts and sent failure emails, then events no delivery refers to, then health counters and
 * deleted webhooks; each engine holds only the SQL of each step.
 *
 * Where a chunk holds everything else (SQLite: the event loop and the one writer), its rows are
 * sized by time, not by count: what one delivery costs to delete grows with the store (a dozen
 * indexes, each a page of its own to rewrite per team) and with the machine's load, so a fixed
 * count that is cheap on a small store held ingest for a quarter of a second on a large one. Each
 * chunk then aims at `chunkTargetMs`, the next one's rows following what the last took. Where it
 * holds nobody (PostgreSQL: ingest writes other rows on other connections), chunks are a fixed,
 * larger count: each costs round trips and a plan whatever its size.
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
  /**
   * After each chunk of deliveries or events, in a turn of its own, given how many rows it took:
   * what the engine owes for them (SQLite copies them from the WAL into the database a few
   * chunks' worth at a time, rather than in one long stall in whichever commit, often an
   * ingest's, crosses the WAL's limit).
   */
  afterChunk?(rows: number): Promise<void>;
}

export interface Purged {
  deliveries: number;
  attempts: number;
  events: number;
  deletedWebhooks: number;
}

/** What one chunk may hold the store for: an ingest arriving meanwhile waits at most about this. */
export const chunkTargetMs = 40;
/** Rows of a chunk: the first one's, and the bounds the others keep within. */
export const chunkRows = { first: 200, min: 50, max: 2_000 } as const;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Rows for the next chunk, from what the last one took: scaled towards the target, at most
 * doubled at a time (one fast chunk on an idle moment says little), and within `chunkRows`.
 */
export function nextChunkRows(rows: number, tookMs: number): number {
  const scaled = (rows * chunkTargetMs) / Math.max(tookMs, 1);
  return Math.round(Math.min(chunkRows.max, Math.max(chunkRows.min, Math.min(scaled, rows * 2))));
}

/** Chunks sized by what they take (`'timed'`), or of a fixed number of rows. */
export type Chunking = 'timed' | { rows: number };

/** Runs `step` in chunks until one comes back short. */
async function inChunks(
  step: (limit: number) => Promise<number>,
  afterChunk: ((rows: number) => Promise<void>) | undefined,
  chunking: Chunking,
): Promise<void> {
  let rows = chunking === 'timed' ? chunkRows.first : chunking.rows;
  for (;;) {
    const started = performance.now();
    const done = await step(rows);
    const tookMs = performance.now() - started;
    if (done > 0 && afterChunk !== undefined) {
      await nextTurn();
      await afterChunk(done);
    }
    if (done < rows) return;
    if (chunking === 'timed') rows = nextChunkRows(rows, tookMs);
    await nextTurn();
  }
}

export async function purgeInChunks(steps: PurgeSteps, cutoff: number, chunking: Chunking): Promise<Purged> {
  const purged: Purged = { deliveries: 0, attempts: 0, events: 0, deletedWebhooks: 0 };
  const afterChunk = steps.afterChunk?.bind(steps);
  await inChunks(
    async (rows) => {
      const chunk = await steps.deliveries(cutoff, rows);
      purged.deliveries += chunk.deliveries;
      purged.attempts += chunk.attempts;
      purged.events += chunk.events;
      return chunk.deliveries;
    },
    afterChunk,
    chunking,
  );
  await inChunks(
    async (rows) => {
      const events = await steps.events(cutoff, rows);
      purged.events += events;
      return events;
    },
    afterChunk,
    chunking,
  );
  await inChunks((rows) => steps.healthHours(cutoff, rows), undefined, chunking);
  purged.deletedWebhooks = await steps.rest(cutoff);
  return purged;
}
