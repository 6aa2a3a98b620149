import { createHash } from 'node:crypto';
import type { AttemptResult } from './storeQueueTypes';

/**
 * What one delivery keeps of its answers, across all its attempts and rounds: every resend of a
 * failing delivery is up to five more answers of up to 64 KiB each, so without a bound a bulk
 * resend of a thousand deliveries stored hundreds of megabytes of the same error page.
 * - An answer identical to one the delivery already keeps whole (same status, headers that
 *   matter and body) is stored as a reference to it: "same answer as attempt N".
 * - Past `answerBudgetChars` of answers kept whole, a new answer keeps its status only: "trimmed".
 * The first answer of a delivery is always kept whole (one answer is at most 64 KiB).
 */
export const answerBudgetChars = 256 * 1024;

/** How an attempt's answer is kept; `null` on rows written before answers were bounded. */
export type AnswerKept = 'whole' | 'same' | 'trimmed';

/**
 * The headers that say something about the answer itself. Others (Date, request ids, cookies)
 * differ on every answer of the same page, so they would make no two answers identical.
 */
const headersThatMatter = ['content-type', 'content-encoding', 'location', 'retry-after', 'www-authenticate'];

/** The answers a delivery keeps whole so far, as the engines read them before recording more. */
export interface KeptAnswersRow {
  delivery_id: string;
  id: number | string;
  answer_hash: string | null;
  size: number | string;
}

export interface KeptAnswers {
  usedChars: number;
  /** The attempt id of the first answer kept whole, by its hash. */
  byHash: Map<string, number>;
}

/** The answers kept so far per delivery, from the engines' `KeptAnswersRow`s. */
export function keptAnswersOf(rows: readonly KeptAnswersRow[]): Map<string, KeptAnswers> {
  const kept = new Map<string, KeptAnswers>();
  for (const row of rows) {
    const entry = kept.get(row.delivery_id) ?? { usedChars: 0, byHash: new Map<string, number>() };
    entry.usedChars += Number(row.size);
    if (row.answer_hash !== null && !entry.byHash.has(row.answer_hash))
      entry.byHash.set(row.answer_hash, Number(row.id));
    kept.set(row.delivery_id, entry);
  }
  return kept;
}

/** The answer columns of one attempt row. */
export interface AnswerColumns {
  response_headers: string | null;
  response_body: string | null;
  answer_kept: AnswerKept | null;
  answer_hash: string | null;
  answer_size: number;
  same_answer_as: number | null;
}

function hashOf(response: NonNullable<AttemptResult['response']>): string {
  const mattering = headersThatMatter.map((name) => response.headers[name] ?? null);
  return createHash('sha256')
    .update(JSON.stringify([response.status, mattering, response.body]))
    .digest('base64url')
    .slice(0, 22);
}

/** How to store `result`'s answer given what its delivery keeps already (an error is small: kept as is). */
export function answerColumns(result: AttemptResult, kept: KeptAnswers | undefined): AnswerColumns {
  const response = result.response;
  if (response === null)
    return {
      response_headers: null,
      response_body: null,
      answer_kept: null,
      answer_hash: null,
      answer_size: 0,
      same_answer_as: null,
    };
  const hash = hashOf(response);
  const same = kept?.byHash.get(hash);
  if (same !== undefined) return { ...bare, answer_kept: 'same', answer_hash: hash, same_answer_as: same };
  const headers = JSON.stringify(response.headers);
  const body = response.body;
  const size = headers.length + body.length;
  const used = kept?.usedChars ?? 0;
  if (used > 0 && used + size > answerBudgetChars) return { ...bare, answer_kept: 'trimmed', answer_hash: null };
  return {
    response_headers: headers,
    response_body: body,
    answer_kept: 'whole',
    answer_hash: hash,
    answer_size: size,
    same_answer_as: null,
  };
}

const bare = { response_headers: null, response_body: null, answer_size: 0, same_answer_as: null } as const;

/**
 * The SQL both engines use to read what a delivery keeps (`:ids` is the engine's list of delivery
 * ids). Rows from before answers were bounded count by their length and are never referenced.
 */
export const keptAnswersWhere = `(answer_kept = 'whole' OR (answer_kept IS NULL AND response_status IS NOT NULL))`;
export const keptAnswersColumns = `delivery_id, id, answer_hash,
  coalesce(answer_size, length(coalesce(response_body, '')) + length(coalesce(response_headers, ''))) AS size`;

/** Attempt rows with the round and number of the attempt whose answer a "same" one refers to. */
export const attemptRowsSelect = `SELECT a.*, s.round AS same_round, s.attempt_number AS same_attempt
  FROM attempts a LEFT JOIN attempts s ON s.id = a.same_answer_as`;
