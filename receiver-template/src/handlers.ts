import type { DeviatingEvent } from './contract/contractDeviations';
import type { EventCanceled, EventConfirmed, FormAnswered } from './contract/schemas';
import { renameFields, type DeviatingEventDecision } from './deviatingEvents';
import type { Log } from './log';

/**
 * Your code goes here: one function per Spir event. The receiver has already checked the
 * signature and parsed the body, and writes one JSON log line per handled event itself.
 *
 * - Each event is handled once: retries and resends of an event already handled are
 *   acknowledged without calling these again.
 * - Throw to make Spir retry (the receiver answers 500). Retries come 10 s apart, 5 attempts in
 *   all; after the last one Spir emails your team's administrators.
 * - Spir gives up on an attempt after 30 s. For slow work, put the event on a queue and return
 *   (README, "Slow work").
 */
export interface Handlers {
  onEventConfirmed(event: EventConfirmed, context: HandlerContext): Promise<void>;
  onEventCanceled(event: EventCanceled, context: HandlerContext): Promise<void>;
  onFormAnswered(event: FormAnswered, context: HandlerContext): Promise<void>;
  /**
   * A known event whose fields differ from the typed contract (a field missing or renamed, a
   * date without an offset): `payload` is exactly what Spir sent, untyped, and `deviations` names
   * each difference. Some of the contract's names are reconstructed, not yet confirmed by Spir.
   * Return nothing and the event is refused (503 naming each deviation: Spir retries and its
   * failure email tells your admins why), never lost silently; return a decision to accept it
   * (`DeviatingEventDecision`, in src/deviatingEvents.ts).
   */
  onDeviatingEvent(event: DeviatingEvent, context: HandlerContext): Promise<DeviatingEventDecision | void>;
}

export interface HandlerContext {
  /** Writes a JSON log line, for anything your handler wants to record. */
  log: Log;
}

/**
 * Fields you have seen Spir send under another name than the contract's (a refusal names them,
 * in your log and in Spir's failure email): the contract's path → the path Spir sent. An event
 * that deviates only by these is renamed back and handled by its typed handler.
 */
export const knownRenamings: Record<string, string> = {
  // 'payload.cancelReason': 'payload.reason',
};

export const handlers: Handlers = {
  async onEventConfirmed(_event, _context) {
    // Example: forward the confirmed meeting to a CRM. Uncomment and adapt (answerTo comes from
    // './contract'). Only this team's events arrive; to handle one availability
    // link only, compare _event.payload.originalUrl and return early for the others.
    //
    // const response = await fetch('https://crm.example.com/api/meetings', {
    //   method: 'POST',
    //   headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.CRM_TOKEN}` },
    //   body: JSON.stringify({
    //     externalId: _event.webhookEventId,      // lets the CRM de-duplicate too
    //     subject: _event.payload.title,
    //     startsAt: _event.payload.startDateTime,   // ISO 8601, UTC
    //     endsAt: _event.payload.endDateTime,
    //     contact: _event.payload.invitee,          // { name, email, language? }
    //     company: answerTo(_event.payload.formAnswers, '会社・団体名'),
    //     videoUrl: _event.payload.onlineMeeting.url, // '' when no meeting tool is connected
    //   }),
    //   signal: AbortSignal.timeout(10_000),
    // });
    // if (!response.ok) throw new Error(`CRM answered ${response.status}`); // Spir will retry
  },

  async onEventCanceled(_event, _context) {
    // e.g. mark the meeting canceled in your CRM, with _event.payload.cancelReason.
  },

  async onFormAnswered(_event, _context) {
    // e.g. add _event.payload.invitee to a mailing list with _event.payload.formAnswers.
  },

  async onDeviatingEvent(event, _context) {
    // A known renaming (say, a cancel's reason sent as `reason`): put it back under the contract's
    // name; the receiver checks the result against the contract again and hands it to
    // onEventCanceled (or the handler of its name), once.
    const correctedPayload = renameFields(event, knownRenamings);
    if (correctedPayload !== undefined) return { correctedPayload };
    // Anything else: return nothing, and the receiver refuses the event (503 naming each
    // deviation) so that Spir retries it until you accept it here. To take it as it is, read
    // event.payload defensively here, then `return { acknowledged: true }`.
  },
};
