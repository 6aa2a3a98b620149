import { randomUUID } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns';
import { performance } from 'node:perf_hooks';
import { Agent, request, type Dispatcher } from 'undici';
import {
  checkWebhookUrl,
  generateWebhookSecret,
  cloneSample,
  samples,
  signWebhook,
  webhookEventNames,
  type WebhookEventName,
} from '../contract';

export interface RuleResult {
  rule: string;
  passed: boolean;
  /** What was seen, in words a person can act on. */
  detail: string;
}

export interface CheckOptions {
  url: string;
  secret: string;
  /** Spir's limit per attempt (30 s). */
  timeoutMs?: number;
  /** WEBHOOK_RESOLVE pins: host name → address. */
  pinnedHosts?: ReadonlyMap<string, string>;
  /** Trusted CAs in place of Node's own (NODE_EXTRA_CA_CERTS is honoured either way). */
  ca?: string[];
}

interface Answer {
  status: number | null;
  error: string | null;
  ms: number;
  /** The start of the answer's body, kept only where a report quotes it. */
  body?: string;
}

function agentFor(options: CheckOptions): Agent {
  const pins = options.pinnedHosts ?? new Map<string, string>();
  return new Agent({
    connect: {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
      lookup: (hostname, lookupOptions, callback) => {
        const pinned = pins.get(hostname.toLowerCase());
        if (pinned === undefined) return dnsLookup(hostname, lookupOptions, callback);
        const family = pinned.includes(':') ? 6 : 4;
        if ((lookupOptions as { all?: boolean }).all) return callback(null, [{ address: pinned, family }]);
        return callback(null, pinned, family);
      },
    },
  });
}

async function send(
  agent: Dispatcher,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  keepBody = false,
): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = keepBody ? (await response.body.text()).slice(0, 600) : (await response.body.dump(), undefined);
    return {
      status: response.statusCode,
      error: null,
      ms: Math.round(performance.now() - started),
      ...(text === undefined ? {} : { body: text }),
    };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    return {
      status: null,
      error: timedOut ? `no answer within ${timeoutMs / 1000} s` : withHint(error as Error & { code?: string }),
      ms: Math.round(performance.now() - started),
    };
  }
}

/** An error with what to do about it, for the ones a first set-up meets. */
function withHint(error: Error & { code?: string }): string {
  const code = error.code ?? (error.cause as { code?: string } | undefined)?.code ?? '';
  if (/CERT|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code))
    return `${error.message} (this checker does not trust the certificate: for a development CA, set NODE_EXTRA_CA_CERTS to its absolute path)`;
  if (code === 'ENOTFOUND')
    return `${error.message} (the host name does not resolve: for a development host, set WEBHOOK_RESOLVE=<host>:127.0.0.1)`;
  return error.message;
}

const describe = (answer: Answer) =>
  answer.status === null ? (answer.error ?? 'no answer') : `HTTP ${answer.status} in ${answer.ms} ms`;
const is2xx = (answer: Answer) => answer.status !== null && answer.status >= 200 && answer.status < 300;
const is4xx = (answer: Answer) => answer.status !== null && answer.status >= 400 && answer.status < 500;
const isStatus = (answer: Answer, status: number) => answer.status === status;

/**
 * The URL's two rules, each judged on its own: `https` on the scheme alone, `public host name` on
 * every other rule of Spir's (host, credentials, length), as if the URL used https.
 */
function urlRules(url: string, pins: ReadonlyMap<string, string>): RuleResult[] {
  const check = checkWebhookUrl(url, pins);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const https = check.ok || (parsed?.protocol === 'https:' && check.rule !== 'malformed');
  let asHttps = check;
  if (parsed !== undefined && parsed.protocol !== 'https:' && /^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    asHttps = checkWebhookUrl(url.replace(/^[a-z][a-z0-9+.-]*:/i, 'https:'), pins);
  }
  const host = parsed?.hostname.replace(/\.$/, '') ?? '';
  const pinned = pins.get(host);
  return [
    {
      rule: 'https',
      passed: https,
      detail: https
        ? 'the URL uses https'
        : check.ok === false && check.rule !== 'https_required'
          ? check.message
          : `The URL must use https (got ${parsed?.protocol.replace(/:$/, '') ?? 'no scheme'}).`,
    },
    {
      rule: 'public host name',
      passed: asHttps.ok,
      detail: asHttps.ok
        ? pinned !== undefined
          ? `${host} is pinned to ${pinned} by WEBHOOK_RESOLVE: accepted for development, as Spir's dispatcher does with the same pin`
          : 'the host is a name, neither an IP address nor localhost'
        : asHttps.message,
    },
  ];
}

/** The deviating sample: a cancel whose reason comes under another name than the contract's. */
function deviatingCancel(id: string): string {
  const { cancelReason, ...payload } = cloneSample('event.canceled').payload;
  return JSON.stringify({
    webhookEventName: 'event.canceled',
    webhookEventId: id,
    payload: { ...payload, reason: cancelReason },
  });
}

/**
 * How the endpoint treats a known event whose fields deviate from the typed contract (no rule:
 * accepting it and refusing it are both fair, refusing is the template's default). In words.
 */
export async function reportDeviatingEvent(options: CheckOptions): Promise<string> {
  const urlCheck = checkWebhookUrl(options.url, options.pinnedHosts);
  if (!urlCheck.ok) return 'not sent: Spir would refuse to register this URL';
  const what = 'an event.canceled whose reason comes as payload.reason, not payload.cancelReason';
  const id = `check_${randomUUID()}`;
  const body = deviatingCancel(id);
  const headers = { ...signWebhook({ webhookEventId: id, body, timestamp: new Date(), secrets: [options.secret] }) };
  const agent = agentFor(options);
  try {
    const answer = await send(agent, urlCheck.url, body, headers, options.timeoutMs ?? 30_000, true);
    const quoted = answer.body === undefined || answer.body === '' ? '' : ` Its answer: ${answer.body}`;
    if (is2xx(answer))
      return `${what}: ${describe(answer)}, accepted (by onDeviatingEvent in the template): make sure your code reads it.`;
    if (answer.status === null) return `${what}: ${describe(answer)}.`;
    return `${what}: ${describe(answer)}, refused: Spir retries it (5 attempts), then emails your team's admins this answer; it comes again once your receiver accepts it.${quoted}`;
  } finally {
    await agent.close();
  }
}

/**
 * Proves that an endpoint meets Spir's contract, rule by rule, by sending it signed samples of
 * each event, an unsigned and a forged request, a stale one, and a duplicate.
 */
export async function checkEndpoint(options: CheckOptions): Promise<RuleResult[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const results = urlRules(options.url, options.pinnedHosts ?? new Map<string, string>());
  const urlCheck = checkWebhookUrl(options.url, options.pinnedHosts);
  if (!urlCheck.ok) {
    results.push({ rule: 'requests', passed: false, detail: 'not sent: Spir would refuse to register this URL' });
    return results;
  }

  const agent = agentFor(options);
  try {
    const signedEvent = (
      name: WebhookEventName,
      id = `check_${randomUUID()}`,
      at = new Date(),
      secret = options.secret,
    ) => {
      const body = JSON.stringify({ ...samples[name], webhookEventId: id });
      return { body, headers: { ...signWebhook({ webhookEventId: id, body, timestamp: at, secrets: [secret] }) } };
    };

    for (const name of webhookEventNames) {
      const { body, headers } = signedEvent(name);
      const answer = await send(agent, urlCheck.url, body, headers, timeoutMs);
      results.push({
        rule: `2xx within ${timeoutMs / 1000} s for ${name}`,
        passed: is2xx(answer),
        detail: `${describe(answer)}${
          isStatus(answer, 401) || isStatus(answer, 403)
            ? ": the endpoint refused our signature; does --secret match the receiver's WEBHOOK_SECRET?"
            : ''
        }`,
      });
    }

    const unsigned = signedEvent('form.answered');
    const unsignedAnswer = await send(agent, urlCheck.url, unsigned.body, {}, timeoutMs);
    results.push({
      rule: '4xx for an unsigned request',
      passed: is4xx(unsignedAnswer),
      detail: `${describe(unsignedAnswer)}${is4xx(unsignedAnswer) ? '' : ': the endpoint must verify the webhook-signature header'}`,
    });

    const forged = signedEvent('event.confirmed', undefined, new Date(), generateWebhookSecret());
    const forgedAnswer = await send(agent, urlCheck.url, forged.body, forged.headers, timeoutMs);
    results.push({
      rule: '4xx for a forged request',
      passed: is4xx(forgedAnswer),
      detail: `${describe(forgedAnswer)}${is4xx(forgedAnswer) ? '' : ': a request signed with another secret was accepted'}`,
    });

    const stale = signedEvent('event.canceled', undefined, new Date(Date.now() - 10 * 60_000));
    const staleAnswer = await send(agent, urlCheck.url, stale.body, stale.headers, timeoutMs);
    results.push({
      rule: '4xx for a 10-minute-old timestamp',
      passed: is4xx(staleAnswer),
      detail: `${describe(staleAnswer)}${is4xx(staleAnswer) ? '' : ': replayed requests must be refused'}`,
    });

    // Spir signs each attempt anew: a retry has the same webhook-id and body, a new signature.
    const id = `check_${randomUUID()}`;
    const original = signedEvent('form.answered', id);
    const first = await send(agent, urlCheck.url, original.body, original.headers, timeoutMs);
    const retry = signedEvent('form.answered', id);
    const second = await send(agent, urlCheck.url, retry.body, retry.headers, timeoutMs);
    const sameAnswer = is2xx(first) && is2xx(second);
    results.push({
      rule: 'the same 2xx for a duplicate',
      passed: sameAnswer,
      detail: `first ${describe(first)}, then ${describe(second)}`,
    });
  } finally {
    await agent.close();
  }
  return results;
}
