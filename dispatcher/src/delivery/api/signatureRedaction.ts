/**
 * The one rule for showing the request headers of an attempt, wherever they are shown (the team
 * API, the console, the failure email and its attached log). The `webhook-signature` beside its
 * body and timestamp is a replayable request: a receiver that accepts signatures a while (the
 * Zapier app does for a week) would take a copy as Spir's. So it is shown only to a reader who
 * may read the webhook's signing secret anyway, and could sign the body itself; every other reader
 * (a read-scoped key, an email's recipients) sees it redacted.
 */
export function headersForReader(
  headers: Record<string, string>,
  reader: { mayReadSecret: boolean },
): Record<string, string> {
  if (reader.mayReadSecret || headers['webhook-signature'] === undefined) return headers;
  return { ...headers, 'webhook-signature': '(redacted)' };
}
