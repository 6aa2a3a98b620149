import pg, { type Pool, type PoolClient, type QueryResultRow } from 'pg';
import { StoreUnavailableError } from '../storeTypes';
import type { Dialect } from '../teamReadsSql';

// BIGINT columns hold milliseconds and ids well inside Number's range: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Errors that mean "the database cannot serve us now", not "this query is wrong": a 503. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  // Connection refused or reset; PostgreSQL classes 08 (connection), 53 (resources: disk full,
  // too many connections), 57P (shutdown), 58 (I/O).
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(code) || /^(08|53|57P|58)/.test(code);
}

export function unavailableOr(error: unknown): unknown {
  return isUnavailable(error) || (error as Error).message?.includes('Connection terminated')
    ? new StoreUnavailableError(
        `the PostgreSQL store cannot serve this now (${(error as { code?: string }).code ?? (error as Error).message})`,
        { cause: error },
      )
    : error;
}

/** One query on the pool; an unreachable database is a StoreUnavailableError. */
export async function query<R extends QueryResultRow>(
  pool: Pool | PoolClient,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  try {
    return (await pool.query<R>(text, params)).rows;
  } catch (error) {
    throw unavailableOr(error);
  }
}

/** `work` inside one transaction on one connection: committed, or rolled back and rethrown. */
export async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw unavailableOr(error);
  }
  let broken = false;
  // A connection that dies between two queries of the transaction is reported here, not as an
  // 'error' event nobody listens to (which would end the process); the next query then fails.
  const markBroken = () => {
    broken = true;
  };
  client.on('error', markBroken);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    const reported = unavailableOr(error);
    // A connection that failed is dropped, not rolled back: a query on it would wait forever.
    if (reported instanceof StoreUnavailableError) broken = true;
    // The error that got us here is the one to report; a failed rollback adds nothing to it.
    else await client.query('ROLLBACK').catch(() => undefined);
    throw reported;
  } finally {
    client.off('error', markBroken);
    client.release(broken);
  }
}

/** How a team read (store/teamReadsSql.ts) is written for PostgreSQL. */
export const pgDialect: Dialect = { placeholder: (n) => `$${n}`, tiebreak: 'seq', indexedBy: () => '' };
