import type { ConsoleSessionAnswer, ErrorAnswer, WebhookEventName } from '@spir-webhooks/shared-types';

// The API's answers are typed once, in shared-types; the console imports their types only
// (nothing of shared-types reaches the bundle).
export type {
  AttemptAnswer,
  DeliveryDetailAnswer,
  DeliveryListAnswer,
  EventType,
  EventTypesAnswer,
  EventsAnswer,
  ListedDeliveryAnswer,
  ResendFailedAnswer,
  TestSendAnswer,
  UrlCheckAnswer,
  WebhookListAnswer,
  WebhookListWithoutHealthAnswer,
  WebhookWithSecretAnswer,
} from '@spir-webhooks/shared-types';
export type Session = ConsoleSessionAnswer;
export type EventName = WebhookEventName;

/** Takes a list of event names only if it names them all: the type check fails when shared-types adds one. */
const everyName = <T extends readonly EventName[]>(
  names: T & ([Exclude<EventName, T[number]>] extends [never] ? unknown : 'an event name is missing'),
): T => names;

/** The one list of event names the console iterates. */
export const eventNames = everyName(['event.confirmed', 'event.canceled', 'form.answered'] as const);

/** The team API, called with the console's session cookie; writes carry the session's CSRF token. */
let csrfToken = '';

/** Fired when the API answers 401 mid-session: the app goes back to sign-in and says why. */
export const sessionEndedEvent = 'spir-console-session-ended';

export class ApiProblem extends Error {
  constructor(
    /** 0: no answer reached the browser (network down, dispatcher stopped). */
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(signal === undefined ? {} : { signal }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    if (signal?.aborted === true) throw error;
    throw new ApiProblem(0, 'network', '');
  }
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => ({}))) as T & Partial<ErrorAnswer>;
  // A refused sign-in is the sign-in form's own answer, not a session that ended.
  if (response.status === 401 && path !== '/console/session') window.dispatchEvent(new Event(sessionEndedEvent));
  if (!response.ok) throw new ApiProblem(response.status, json.error?.code ?? 'error', json.error?.message ?? '');
  return json;
}

export type SessionState = { session: Session } | { loginUrl: string | null };

export async function loadSession(): Promise<SessionState> {
  const response = await fetch('/console/session', { credentials: 'same-origin' });
  const json = (await response.json()) as Session & { signIn?: { loginUrl: string | null } };
  if (!response.ok) return { loginUrl: json.signIn?.loginUrl ?? null };
  csrfToken = json.csrfToken;
  return { session: json };
}

/** What to tell the person about a failed call: the API's own sentence, or a generic one. */
export const problemMessage = (error: unknown, generic: string): string =>
  error instanceof ApiProblem && error.message !== '' ? error.message : generic;
