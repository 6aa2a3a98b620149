/**
 * What a team's searches match, extracted once at ingest into indexed columns (the rule is here
 * once; both engines store what it gives). An email is matched in any case of its ASCII letters,
 * as both engines' lower() does in the backfill of rows stored before the column existed.
 */

/** Longer than any address SMTP allows (RFC 5321 caps a path at 256; 320 is the usual bound). */
const maxEmailLength = 320;

// A NUL, or half of a surrogate pair: text that PostgreSQL cannot store as it came, and that no
// person types. Such an email is kept in the event's body as it came and simply never matches.
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const unindexable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The key an invitee's email is searched by, or null when it cannot be (it then never matches). */
export function searchableEmail(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxEmailLength) return null;
  if (unindexable.test(value)) return null;
  return value.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The invitee's email of an envelope as stored (JSON text), as searches find it. */
export function inviteeEmailOfBody(body: string): string | null {
  try {
    const envelope = JSON.parse(body) as { payload?: { invitee?: { email?: unknown } } } | null;
    return searchableEmail(envelope?.payload?.invitee?.email);
  } catch {
    return null;
  }
}

/** The search key of an event being stored: from what the ingest already parsed, else from its body. */
export function inviteeEmailOfEvent(event: { body: string; inviteeEmail?: unknown }): string | null {
  return 'inviteeEmail' in event ? searchableEmail(event.inviteeEmail) : inviteeEmailOfBody(event.body);
}
