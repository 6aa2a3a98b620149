import type { AfterResponseMiddleware, BeforeRequestMiddleware, ZObject } from 'zapier-platform-core';

/**
 * The Spir dispatcher's base URL, set with `zapier env:set <version> API_BASE_URL=https://...`.
 * There is deliberately no default: a missing value must fail loudly, never call a guessed host.
 */
function apiBaseUrl(): string {
  const value = process.env.API_BASE_URL;
  if (value === undefined || value === '') {
    throw new Error(
      'API_BASE_URL is not set for this app version; set it with `zapier env:set <version> API_BASE_URL=https://...`.',
    );
  }
  return value.replace(/\/+$/, '');
}

export function apiUrl(path: string): string {
  return `${apiBaseUrl()}${path}`;
}

/** Every request carries the team API key the user connected with. */
export const addApiKey: BeforeRequestMiddleware = (request, _z, bundle) => {
  request.headers = { ...request.headers, authorization: `Bearer ${bundle.authData.apiKey ?? ''}` };
  return request;
};

interface DispatcherError {
  error?: { code?: string; message?: string };
}

/** Turns the dispatcher's error body into a message the Zap editor shows as it is. */
export const explainErrors: AfterResponseMiddleware = (response, z) => {
  // A caller that asked to see error statuses itself gets the response as it is.
  if (response.status < 400 || response.skipThrowForStatus) return response;
  let body: DispatcherError = {};
  try {
    body = JSON.parse(response.content) as DispatcherError;
  } catch {
    // Not the dispatcher's JSON (a proxy's page, say): fall through to the status line.
  }
  const code = body.error?.code ?? `http_${response.status}`;
  const detail = body.error?.message ?? `Spir answered HTTP ${response.status}.`;
  // Zapier asks the user to reconnect on ExpiredAuthError, rather than showing a raw error.
  if (response.status === 401) {
    throw new z.errors.ExpiredAuthError(
      'Spir does not accept this API key (mistyped, revoked or expired). Reconnect your Spir account with a current team API key.',
    );
  }
  if (code === 'limit_reached') {
    throw new z.errors.Error(`Spir allows no more Zaps on this event in your team: ${detail}`, code, response.status);
  }
  if (code === 'invalid_url') {
    throw new z.errors.Error(`Spir refused the webhook URL: ${detail}`, code, response.status);
  }
  throw new z.errors.Error(detail, code, response.status);
};

export async function getJson<T>(z: ZObject, path: string): Promise<T> {
  const response = await z.request({ url: apiUrl(path), method: 'GET' });
  return response.data as T;
}
