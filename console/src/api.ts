/** The team API, called with the console's session cookie; writes carry the session's CSRF token. */
let csrfToken = '';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  teamId: string;
  teamName: string;
  language: 'ja' | 'en';
  csrfToken: string;
  expiresAt: string;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const json = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok) throw new ApiProblem(response.status, json.error?.code ?? 'error', json.error?.message ?? '');
  return json;
}

export async function loadSession(): Promise<{ session: Session } | { loginUrl: string | null }> {
  const response = await fetch('/console/session', { credentials: 'same-origin' });
  const json = (await response.json()) as Session & { signIn?: { loginUrl: string | null } };
  if (!response.ok) return { loginUrl: json.signIn?.loginUrl ?? null };
  csrfToken = json.csrfToken;
  return { session: json };
}

export interface Webhook {
  id: string;
  url: string;
  event: EventName;
  kind: 'endpoint' | 'subscription';
  availabilityLinks: string[] | null;
  createdAt: string;
}

export type EventName = 'event.confirmed' | 'event.canceled' | 'form.answered';
export const eventNames: EventName[] = ['event.confirmed', 'event.canceled', 'form.answered'];

export interface Attempt {
  round: number;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  summary: string;
  startedAt: string;
  durationMs: number;
  request: { headers: Record<string, string> };
  response: { status: number; headers: Record<string, string>; body: string } | null;
  error: { code: string; message: string } | null;
}

export interface Delivery {
  id: string;
  webhookId: string;
  url: string;
  status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  round: number;
  nextAttemptAt: string | null;
  cancelReason: string | null;
  createdAt: string;
  webhookEventId: string;
  eventName: EventName;
}

export interface DeliveryDetail extends Delivery {
  request: { body: string };
  /** Where the event differs from the typed contract (delivered as sent all the same). */
  contractDeviations: { path: string; problem: string }[];
  attempts: Attempt[];
}
