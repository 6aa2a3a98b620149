import type { DeviatingEvent } from './contract/contractDeviations';
import type { EventCanceled, EventConfirmed, FormAnswered } from './contract/schemas';
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
   * each difference. Some of the contract's names are reconstructed, not yet confirmed by Spir,
   * so such an event is acknowledged rather than refused (a refusal would only bring retries and
   * failure emails). Read what you need defensively, or throw to have Spir retry.
   */
  onDeviatingEvent(event: DeviatingEvent, context: HandlerContext): Promise<void>;
}

export interface HandlerContext {
  /** Writes a JSON log line, for anything your handler wants to record. */
  log: Log;
}

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

  async onDeviatingEvent(_event, _context) {
    // The receiver has logged the deviations already. e.g. for a cancellation whose reason came
    // under another name: const reason = _event.payload.cancelReason ?? _event.payload.reason;
  },
};
