// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import type { FormAnswer } from './schemas';

/**
 * The answer to one question of an availability link's form, found by its question text (as the
 * organizer wrote it, e.g. `会社・団体名`) or by its `questionId`; undefined when not asked.
 */
export function answerTo(answers: readonly FormAnswer[], questionOrId: string): string | undefined {
  return answers.find((entry) => entry.question === questionOrId || entry.questionId === questionOrId)?.answer;
}
