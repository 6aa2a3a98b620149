import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import {
  availabilityLinkIdOf,
  deliverableEnvelopeSchema,
  findContractDeviations,
  type ContractDeviation,
} from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import type { IngestSpan } from '../ops/tracing';
import { DeviationReporter } from '../contract/deviationReporter';
import { ApiError, answerError, parseInput, sendJson } from '../http/apiError';
import { internalTokenChecker } from '../http/auth';
import { markAuthenticated } from '../http/connectionGuard';
import { readJsonBody } from '../http/readJsonBody';
import { storableText } from '../store/storeRows';
import { teamIdSchema } from '../teams/teamRoutes';

export const maxIngestBodyBytes = 256 * 1024;
export const ingestPath = '/internal/v1/events';
const maxKnownTeams = 100_000;

// Refuse only the undeliverable (CONTRACT.md, "When Spir's traffic does not match this
// contract"): a body without a team, a URL kind or a deliverable envelope is a 400; the typed
// contract is checked after, and what deviates from it is delivered exactly as sent, and flagged.
export const ingestBody = z.object({
  teamId: teamIdSchema,
  urlKind: z.enum(['template', 'oneOff']),
  event: deliverableEnvelopeSchema,
});

/** The availability link an event names, when its payload names one at all. */
function linkOf(payload: Record<string, unknown>) {
  const { originalUrl, privateTitle } = payload;
  if (typeof originalUrl !== 'string') return undefined;
  return {
    id: storableText(availabilityLinkIdOf(originalUrl)),
    originalUrl: storableText(originalUrl),
    privateTitle: storableText(typeof privateTitle === 'string' ? privateTitle : ''),
  };
}

export type IngestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `POST /internal/v1/events`: Spir's core hands over an event. The answer is 202 only once the
 * event and its deliveries are committed: from then on nothing loses it. Written on Node's own
 * request and response, not as Express middleware: this is the route every event takes, and
 * Express' routing and body parsing cost more than the rest of it.
 */
export function createIngestHandler(
  { teams, events, storeStatus, now, metrics, worker, logger, config, observedShapes, tracing }: DispatcherContext,
  internalApiToken: string,
): IngestHandler {
  const checkToken = internalTokenChecker(internalApiToken);
  const deviationReporter = new DeviationReporter(metrics, logger, now);
  const refuseDeviations = (deviations: readonly ContractDeviation[]): never => {
    throw new ApiError(
      400,
      'validation_failed',
      `The event is invalid: ${deviations.map((d) => `${d.path}: ${d.problem}`).join('; ')}. INGEST_CONTRACT=strict refuses what deviates from the typed contract.`,
      { issues: deviations.map((d) => ({ path: d.path.split('.'), message: d.problem })) },
    );
  };
  // Teams found once, not looked up again: no route deletes a team, so a team that exists goes on
  // existing. Spares every ingest a read of the store (a round trip on PostgreSQL).
  const knownTeams = new Set<string>();
  const teamExists = async (teamId: string): Promise<boolean> => {
    if (knownTeams.has(teamId)) return true;
    if ((await teams.getTeam(teamId)) === undefined) return false;
    if (knownTeams.size >= maxKnownTeams) knownTeams.clear();
    knownTeams.add(teamId);
    return true;
  };

  async function ingest(req: IncomingMessage, res: ServerResponse, span: IngestSpan | undefined): Promise<void> {
    checkToken(req.headers.authorization);
    markAuthenticated(req.socket);
    const received = await readJsonBody(req, maxIngestBodyBytes);
    const { teamId, urlKind, event } = parseInput(ingestBody, received, 'event');
    span?.describe({ teamId, webhookEventId: event.webhookEventId, eventName: event.webhookEventName });
    const deviations = findContractDeviations(event);
    if (deviations.length > 0 && config.ingestContract === 'strict') refuseDeviations(deviations);
    if (!(await teamExists(teamId))) {
      throw new ApiError(
        404,
        'team_not_found',
        `No team ${teamId}; create it with PUT /internal/v1/teams/${teamId} first.`,
      );
    }
    // The event as Spir's core sent it (its parsed JSON, not zod's output, which would reorder
    // keys): same fields, values and order. Serialised once here; every attempt sends exactly
    // these bytes, the signature covers them, and the duplicate check compares them.
    const sent = (received as { event: unknown }).event;
    const body = JSON.stringify(sent);
    const record = () =>
      events.recordEvent({
        teamId,
        webhookEventId: event.webhookEventId,
        eventName: event.webhookEventName,
        urlKind,
        body,
        link: linkOf(event.payload),
        inviteeEmail: (event.payload as { invitee?: { email?: unknown } }).invitee?.email,
        now: now(),
        handoff: worker,
        ...(span === undefined ? {} : { traceContext: span.traceContext }),
      });
    const recorded = await (span === undefined ? record() : span.inStore(storeStatus.engine, record));
    if (!recorded.created && recorded.event.body !== body) {
      throw new ApiError(
        409,
        'event_id_reused',
        `webhookEventId ${event.webhookEventId} was already used for a different event of team ${teamId}; give each event its own id.`,
      );
    }
    if (recorded.created) {
      metrics.eventsIngested.inc();
      worker.sendLeased(recorded.leased);
      if (recorded.deliveryIds.length > recorded.leased.length) worker.claimRefused();
      observedShapes.record(event.webhookEventName, sent, recorded.event.received_at);
      if (deviations.length > 0) deviationReporter.report(event.webhookEventName, teamId, deviations);
    }
    sendJson(res, 202, {
      webhookEventId: event.webhookEventId,
      deliveries: recorded.deliveryIds,
      duplicate: !recorded.created,
      ...(deviations.length > 0 ? { contractDeviations: deviations } : {}),
    });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, span?: IngestSpan) =>
    ingest(req, res, span).catch((error: unknown) => answerError(error, req, res, logger));
  if (tracing === undefined) return (req, res) => void handle(req, res);
  return (req, res) => {
    const span = tracing.startIngest(req, res);
    void span.run(() => handle(req, res, span));
  };
}

/** The exact ingest request, which the server hands to the ingest handler before Express. */
export function isIngestRequest(req: IncomingMessage): boolean {
  return req.method === 'POST' && (req.url === ingestPath || req.url?.startsWith(`${ingestPath}?`) === true);
}
