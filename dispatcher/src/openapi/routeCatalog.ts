import { z } from 'zod';
import { consoleLinkBody, keySignInBody } from '../console/consoleRoutes';
import { languageQuery, listQuery } from '../delivery/api/deliveryRoutes';
import { resendFailedBody } from '../delivery/api/resendFailedRoute';
import { eventsQuery } from '../events/eventRoutes';
import { ingestBody } from '../ingest/ingestHandler';
import { createBody, patchBody, webhookListQuery } from '../webhooks/webhookRoutes';
import { rotateBody } from '../webhooks/webhookSecretRoutes';
import { apiKeyBody, teamBody } from '../teams/teamRoutes';
import * as answer from './apiSchemas';

/** Who may call a route: the team API (a key, or the console's session), Spir's core, or anyone. */
export type Caller = 'team' | 'internal' | 'public';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI's form: `/v1/webhooks/{id}`. */
  path: string;
  caller: Caller;
  /** Served by both listeners (health, the document itself), not only by the caller's. */
  everyListener?: true;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** By status: a schema for JSON, null for no body, or a media type for other content. */
  answers: Record<number, z.ZodType | null | string>;
}

const refusals = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, answer.errorAnswer]));
const teamRefusals = refusals(400, 401, 403, 415, 429);
const internalRefusals = refusals(400, 401, 404, 415);

/** Every route of the dispatcher; a test walks the routers and fails on one missing here. */
export const operations: readonly Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    caller: 'public',
    everyListener: true,
    summary: 'The process is up',
    answers: { 200: answer.healthAnswer },
  },
  {
    method: 'get',
    path: '/readyz',
    caller: 'public',
    everyListener: true,
    summary: 'The store answers',
    answers: { 200: answer.readyAnswer, ...refusals(503) },
  },
  {
    method: 'get',
    path: '/openapi.json',
    caller: 'public',
    everyListener: true,
    summary: "This listener's OpenAPI 3.1 document",
    answers: { 200: z.looseObject({ openapi: z.literal('3.1.0') }) },
  },

  {
    method: 'get',
    path: '/v1/me',
    caller: 'team',
    summary: 'The team of this key',
    answers: { 200: answer.meAnswer, ...teamRefusals },
  },
  {
    method: 'post',
    path: '/v1/webhooks',
    caller: 'team',
    summary: 'Register a webhook URL',
    body: createBody,
    answers: { 201: answer.webhookWithSecretAnswer, ...teamRefusals, ...refusals(409, 422) },
  },
  {
    method: 'get',
    path: '/v1/webhooks',
    caller: 'team',
    summary: "The team's webhooks, each with its health unless ?health=false",
    query: webhookListQuery,
    answers: { 200: answer.webhookListAnswer.or(answer.webhookListWithoutHealthAnswer), ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/webhook-url-check',
    caller: 'team',
    summary: "The URL rules' verdict on a URL",
    query: z.object({ url: z.string() }),
    answers: { 200: answer.urlCheckAnswer, ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}',
    caller: 'team',
    summary: 'One webhook with its health, never its secret',
    answers: { 200: answer.webhookWithHealthAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'patch',
    path: '/v1/webhooks/{id}',
    caller: 'team',
    summary: 'Switch automatic redelivery after an outage (autoRedeliver; full scope)',
    body: patchBody,
    answers: { 200: answer.webhookWithHealthAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'delete',
    path: '/v1/webhooks/{id}',
    caller: 'team',
    summary: 'Delete a webhook; its pending deliveries are canceled',
    answers: { 204: null, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'get',
    path: '/v1/webhooks/{id}/secret',
    caller: 'team',
    summary: 'The current secret and a rotated one still valid (full scope)',
    answers: { 200: answer.secretsAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    caller: 'team',
    summary: 'A new secret; the old one signs alongside for 24 h unless expireCurrentNow',
    body: rotateBody,
    answers: { 200: answer.webhookWithSecretAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    caller: 'team',
    summary: "Send a sample event now; the attempt's outcome",
    query: languageQuery,
    answers: { 200: answer.testSendAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'get',
    path: '/v1/events',
    caller: 'team',
    summary: 'Recent events of template links, newest first',
    query: eventsQuery,
    answers: { 200: answer.eventsAnswer, ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/event-types',
    caller: 'team',
    summary: 'Every event type: its fields with descriptions (ja, en) and sources, a sample, the JSON Schema',
    answers: { 200: answer.eventTypesAnswer, ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/availability-links',
    caller: 'team',
    summary: "The team's availability links seen in its events",
    answers: { 200: answer.availabilityLinksAnswer, ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/deliveries',
    caller: 'team',
    summary: 'Deliveries, newest first, a page at a time',
    query: listQuery,
    answers: { 200: answer.deliveryListAnswer, ...teamRefusals },
  },
  {
    method: 'get',
    path: '/v1/deliveries/{id}',
    caller: 'team',
    summary: 'One delivery with every attempt',
    query: languageQuery,
    answers: { 200: answer.deliveryDetailAnswer, ...teamRefusals, ...refusals(404) },
  },
  {
    method: 'post',
    path: '/v1/deliveries/resend-failed',
    caller: 'team',
    summary: 'A new round for every delivery that finally failed since a moment; once a minute per team',
    body: resendFailedBody,
    answers: { 202: answer.resendFailedAnswer, ...teamRefusals },
  },
  {
    method: 'post',
    path: '/v1/deliveries/{id}/resend',
    caller: 'team',
    summary: 'A new round of attempts, same webhook-id; once a minute per delivery',
    answers: { 202: answer.deliveryAnswer, ...teamRefusals, ...refusals(404, 409) },
  },

  { method: 'get', path: '/console', caller: 'public', summary: 'Redirect to /console/', answers: { 301: null } },
  {
    method: 'get',
    path: '/console/',
    caller: 'public',
    summary: 'The team console (HTML)',
    answers: { 200: 'text/html' },
  },
  {
    method: 'get',
    path: '/console/sign-in',
    caller: 'public',
    summary: "A one-time sign-in link's page, with its Sign in button; opening it uses nothing",
    query: z.object({ token: z.string() }),
    answers: { 200: 'text/html', 403: 'text/html' },
  },
  {
    method: 'post',
    path: '/console/sign-in',
    caller: 'public',
    summary: 'The Sign in button (form field token): uses the link once, sets the session cookie',
    answers: { 303: null, 403: 'text/html' },
  },
  {
    method: 'post',
    path: '/console/session',
    caller: 'public',
    summary: "A developer's sign-in with a full-scope API key",
    body: keySignInBody,
    answers: { 204: null, ...refusals(400, 401, 403, 415) },
  },
  {
    method: 'get',
    path: '/console/session',
    caller: 'public',
    summary: 'The signed-in team and its CSRF token',
    answers: { 200: answer.consoleSessionAnswer, 401: answer.errorAnswer },
  },
  { method: 'delete', path: '/console/session', caller: 'public', summary: 'Sign out', answers: { 204: null } },

  {
    method: 'post',
    path: '/internal/v1/events',
    caller: 'internal',
    summary: 'Ingest an event: 202 once durably stored',
    body: ingestBody,
    answers: { 202: answer.ingestAnswer, ...internalRefusals, ...refusals(409, 413, 503) },
  },
  {
    method: 'put',
    path: '/internal/v1/teams/{teamId}',
    caller: 'internal',
    summary: 'Create or update a team',
    body: teamBody,
    answers: { 200: answer.teamAnswer, ...internalRefusals },
  },
  {
    method: 'post',
    path: '/internal/v1/teams/{teamId}/api-keys',
    caller: 'internal',
    summary: 'Issue a team API key (shown once)',
    body: apiKeyBody,
    answers: { 201: answer.createdApiKeyAnswer, ...internalRefusals },
  },
  {
    method: 'get',
    path: '/internal/v1/teams/{teamId}/api-keys',
    caller: 'internal',
    summary: "The team's API keys, never the keys",
    answers: { 200: answer.listOf(answer.apiKeyAnswer), ...internalRefusals },
  },
  {
    method: 'delete',
    path: '/internal/v1/teams/{teamId}/api-keys/{keyId}',
    caller: 'internal',
    summary: 'Revoke a key, and the console sessions it opened',
    answers: { 204: null, ...internalRefusals },
  },
  {
    method: 'post',
    path: '/internal/v1/teams/{teamId}/console-links',
    caller: 'internal',
    summary: 'A one-time console sign-in link',
    body: consoleLinkBody,
    answers: { 201: answer.consoleLinkAnswer, ...internalRefusals },
  },
  {
    method: 'delete',
    path: '/internal/v1/teams/{teamId}/console-sessions',
    caller: 'internal',
    summary: 'End every console session of the team',
    answers: { 204: null, ...internalRefusals },
  },
  {
    method: 'get',
    path: '/internal/v1/contract/observed',
    caller: 'internal',
    summary: 'The shapes live traffic carried, per event name (never a value)',
    answers: { 200: answer.observedAnswer, ...internalRefusals },
  },
  {
    method: 'get',
    path: '/internal/v1/webhooks/failing',
    caller: 'internal',
    summary: "Every webhook failing now, longest first, with its failed deliveries' count",
    answers: { 200: answer.failingWebhooksAnswer, ...internalRefusals },
  },
  {
    method: 'get',
    path: '/metrics',
    caller: 'internal',
    summary: 'Prometheus metrics (with METRICS_TOKEN set, only for that bearer token)',
    answers: { 200: 'text/plain', 401: answer.errorAnswer },
  },
];
