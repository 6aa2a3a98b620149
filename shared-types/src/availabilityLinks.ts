/**
 * The id of an availability link, from its `originalUrl`: `<linkId>` in Spir's
 * `https://app.spirinc.com/t/<teamId>/as/<linkId>/confirm`. A URL of another shape is its own id
 * (without query or fragment), so that a filter still matches it exactly.
 */
export function availabilityLinkIdOf(originalUrl: string): string {
  const match = /^https:\/\/[^/]+\/t\/[^/]+\/as\/([^/?#]+)/.exec(originalUrl);
  if (match !== null) return decodeURIComponent(match[1]!);
  return originalUrl.replace(/[?#].*$/, '');
}

/** A filter entry as a person gives it: a link id, or any URL of the link (normalised to its id). */
export function normaliseAvailabilityLink(entry: string): string {
  return /^https?:\/\//.test(entry) ? availabilityLinkIdOf(entry) : entry;
}
