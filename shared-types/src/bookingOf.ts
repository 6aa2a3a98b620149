import type { BookingAnswer } from './teamApi';

const stringAt = (value: unknown, ...keys: string[]): string | null => {
  let at = value;
  for (const key of keys) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return null;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'string' ? at : null;
};

/**
 * The booking an event is about, read leniently from the body as stored: a deviating event (a
 * renamed field, say) still shows what it has. `title` falls back to the link's private title,
 * which is all a `form.answered` carries.
 */
export function bookingOf(body: string): BookingAnswer {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    event = undefined;
  }
  return {
    title: stringAt(event, 'payload', 'title') ?? stringAt(event, 'payload', 'privateTitle'),
    inviteeName: stringAt(event, 'payload', 'invitee', 'name'),
    inviteeEmail: stringAt(event, 'payload', 'invitee', 'email'),
    startDateTime: stringAt(event, 'payload', 'startDateTime'),
  };
}
