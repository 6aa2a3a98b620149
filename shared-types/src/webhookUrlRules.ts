import { isIP } from 'node:net';

/** The URL rules of Spir's help page and contract.md, each with a name a client can act on. */
export type WebhookUrlRule =
  | 'malformed'
  | 'too_long'
  | 'https_required'
  | 'credentials_not_allowed'
  | 'localhost_not_allowed'
  | 'ip_address_not_allowed'
  | 'public_host_name_required';

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; rule: WebhookUrlRule; message: string };

export const maxWebhookUrlLength = 2048;

// Names that never lead to the public internet (RFC 6761, RFC 6762, RFC 8375, common intranet suffixes).
const nonPublicSuffixes = [
  'local',
  'internal',
  'intranet',
  'lan',
  'home',
  'corp',
  'test',
  'example',
  'invalid',
  'onion',
  'home.arpa',
  'localdomain',
];

/**
 * Checks a webhook URL when it is registered. Hosts pinned by WEBHOOK_RESOLVE pass the
 * public-name rule (development and tests); nothing passes the other rules. The address a
 * name resolves to is checked again at every connection (see delivery/addresses/publicAddress.ts).
 */
// Said wherever a development host is refused: how to get one through on purpose.
const developmentHint =
  ' (for development, use a name such as receiver.test, pinned to this machine with WEBHOOK_RESOLVE=receiver.test:127.0.0.1 where the dispatcher or the checker runs)';

export function checkWebhookUrl(input: string, pinnedHosts: ReadonlyMap<string, string> = new Map()): WebhookUrlCheck {
  const fail = (rule: WebhookUrlRule, message: string): WebhookUrlCheck => ({ ok: false, rule, message });
  if (input.length > maxWebhookUrlLength)
    return fail('too_long', `The URL is ${input.length} characters long; at most ${maxWebhookUrlLength} are allowed.`);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
  if (/[\s\u0000-\u001f\u007f]/.test(input))
    return fail('malformed', 'The URL contains white space or control characters.');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail(
      'malformed',
      'The URL cannot be parsed; give an absolute URL such as https://example.com/webhooks/spir.',
    );
  }
  if (url.protocol !== 'https:')
    return fail('https_required', `The URL must use https (got ${url.protocol.replace(/:$/, '')}).`);
  if (url.username !== '' || url.password !== '')
    return fail('credentials_not_allowed', 'The URL must not contain a user name or password.');

  // The WHATWG parser has already turned decimal, octal and hex IPv4 spellings into dotted form.
  // Every trailing dot goes before any rule runs: `localhost..` and `127.0.0.1..` are those hosts.
  const host = url.hostname.replace(/\.+$/, '');
  if (host.startsWith('[') || isIP(host) !== 0)
    return fail('ip_address_not_allowed', `The URL's host ${url.hostname} is an IP address; use a host name.`);
  if (host === 'localhost' || host.endsWith('.localhost'))
    return fail('localhost_not_allowed', `localhost URLs are not supported; use a public host name${developmentHint}.`);
  if (!pinnedHosts.has(host)) {
    if (!host.includes('.'))
      return fail(
        'public_host_name_required',
        `The host ${host} is not a fully qualified domain name${developmentHint}.`,
      );
    const suffix = nonPublicSuffixes.find((name) => host === name || host.endsWith(`.${name}`));
    if (suffix !== undefined)
      return fail(
        'public_host_name_required',
        `The host ${host} is under .${suffix}, which is not reachable on the public internet${developmentHint}.`,
      );
  }
  if (url.href.length > maxWebhookUrlLength)
    return fail(
      'too_long',
      `The URL is ${url.href.length} characters long once normalised; at most ${maxWebhookUrlLength} are allowed.`,
    );
  return { ok: true, url: url.href };
}

const hostPin = /^([a-z0-9.-]+):(\[[0-9a-f:.]+\]|[0-9a-f:.]+)$/i;

/**
 * Parses WEBHOOK_RESOLVE (`host:address[,host:address]`, like curl's --resolve) into host name →
 * address pins. Throws an Error naming the first malformed entry.
 */
export function parseHostPins(value: string | undefined): Map<string, string> {
  const pins = new Map<string, string>();
  for (const entry of (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = hostPin.exec(entry);
    if (match === null)
      throw new Error(`WEBHOOK_RESOLVE entry "${entry}" must be host:address, e.g. receiver.test:127.0.0.1`);
    pins.set(match[1]!.toLowerCase(), match[2]!.replace(/^\[|\]$/g, ''));
  }
  return pins;
}
