/**
 * A webhook URL for the operator's log: its query string may carry the customer's token
 * (`?token=...`), so it is replaced. The tenant's own delivery log keeps the full URL.
 */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  return at === -1 ? url : `${url.slice(0, at)}?(redacted)`;
}
