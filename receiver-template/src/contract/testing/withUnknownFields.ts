// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
import { cloneSample } from '../samples';

/**
 * An event.confirmed carrying every v2 field plus fields this code does not know, at the top
 * level, inside `payload`, inside `invitee` and inside a `formAnswers` item: what Spir may send
 * once it adds fields. The lenient schemas and the dispatcher must take it and keep every field.
 */
export function withUnknownFieldsEverywhere(): Record<string, unknown> {
  const event = cloneSample('event.confirmed');
  const [firstAnswer, ...otherAnswers] = event.payload.formAnswers;
  return {
    webhookEventName: event.webhookEventName,
    spirRegion: 'ap-northeast-1',
    webhookEventId: 'evt_with_unknown_fields',
    payload: {
      ...event.payload,
      source: { url: { query: 'utm_source=newsletter' } },
      meetingNote: { text: '受付で名前をお伝えください', visibleTo: ['invitee'] },
      invitee: { ...event.payload.invitee, phoneNumber: '+81-3-0000-0000' },
      formAnswers: [{ ...firstAnswer, required: true }, ...otherAnswers],
    },
  };
}
