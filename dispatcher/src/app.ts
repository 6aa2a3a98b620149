import express, { type Express, type Router } from 'express';
import { consoleLinkRoute, consoleRoutes } from './console/consoleRoutes';
import type { NewLinkHelp } from './console/consolePages';
import { consoleSessionTeam } from './console/consoleSession';
import { contractRoutes } from './contract/contractRoutes';
import { failingWebhooksRoute } from './webhooks/failingWebhooksRoute';
import type { DispatcherContext } from './context';
import { deliveryRoutes } from './delivery/api/deliveryRoutes';
import { resendFailedRoute } from './delivery/api/resendFailedRoute';
import { errorHandler, notFound } from './http/apiError';
import { refuseNonJsonBody } from './http/readJsonBody';
import { jsonBody } from './http/jsonDepth';
import { requireInternalToken, requireTeamKey } from './http/auth';
import { refuseNulText } from './http/nulText';
import { teamRateLimit } from './http/rateLimit';
import { storeCostOf, teamStoreBudget } from './http/storeBudget';
import { eventRoutes } from './events/eventRoutes';
import { ingestPath, type IngestHandler } from './ingest/ingestHandler';
import { healthRoutes, metricsRoute } from './ops/opsRoutes';
import { openApiRoute } from './openapi/openApiDocument';
import { testSendRoute } from './webhooks/testSendRoute';
import { webhookRoutes } from './webhooks/webhookRoutes';
import { webhookSecretRoutes } from './webhooks/webhookSecretRoutes';
import { internalTeamRoutes, meRoute } from './teams/teamRoutes';

/** The HTTP apps: the public one (the team API) and the operators' one (the internal API, /metrics). */
export interface DispatcherApps {
  public: Express;
  /** Undefined when the internal API shares the public listener (no INTERNAL_PORT). */
  internal: Express | undefined;
}

function baseApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // An API's answers are not cached by validators; hashing each one for an ETag is wasted work.
  app.set('etag', false);
  return app;
}

function internalRouter(
  context: DispatcherContext,
  internalApiToken: string,
  ingest: IngestHandler,
  publicUrl: () => string,
): Router {
  const router = express.Router();
  // The server hands the exact ingest path to `ingest` before Express; this takes its other spellings.
  router.post(ingestPath, (req, res) => ingest(req, res));
  const internal = express.Router();
  internal.use(requireInternalToken(internalApiToken));
  internal.use(refuseNonJsonBody, jsonBody('64kb'), refuseNulText);
  internal.use(
    internalTeamRoutes(context),
    consoleLinkRoute(context, publicUrl),
    contractRoutes(context),
    failingWebhooksRoute(context),
  );
  router.use('/internal/v1', internal);
  router.use(metricsRoute(context));
  return router;
}

function teamRouter(context: DispatcherContext): Router {
  const team = express.Router();
  // Team API answers, refusals included, are never kept by a cache (they hold secrets and
  // delivery logs); every answer is nosniff already (http/listeners.ts).
  team.use((_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    next();
  });
  team.use(requireTeamKey(context, consoleSessionTeam(context.sessions)));
  team.use(teamRateLimit(context.config.teamApiRequestsPerSecond));
  const budget = teamStoreBudget(context.config.teamApiStoreMsPerMinute, storeCostOf(context.config.database));
  team.use(budget.refuseSpent);
  team.use(refuseNonJsonBody, jsonBody('64kb'), refuseNulText);
  const routes: DispatcherContext = {
    ...context,
    teams: budget.metered(context.teams),
    sessions: budget.metered(context.sessions),
    webhooks: budget.metered(context.webhooks),
    events: budget.metered(context.events),
    deliveries: budget.metered(context.deliveries),
    shapes: budget.metered(context.shapes),
    failing: budget.metered(context.failing),
  };
  team.use(
    meRoute(),
    webhookRoutes(routes),
    webhookSecretRoutes(routes),
    testSendRoute(routes),
    eventRoutes(routes),
    resendFailedRoute(routes),
    deliveryRoutes(routes),
  );
  return team;
}

/** The dispatcher's HTTP API (dispatcher/docs/api.md), split by listener as configured. */
export function createApps(
  context: DispatcherContext,
  internalApiToken: string,
  ingest: IngestHandler,
  publicUrl: () => string,
  newLinkHelp: Omit<NewLinkHelp, 'loginUrl'>,
): DispatcherApps {
  const separate = context.config.internalListener !== undefined;
  const publicApp = baseApp();
  publicApp.use(healthRoutes(context));
  publicApp.get('/openapi.json', openApiRoute(separate ? ['public'] : ['public', 'internal']));
  if (!separate) publicApp.use(internalRouter(context, internalApiToken, ingest, publicUrl));
  publicApp.use(consoleRoutes(context, newLinkHelp));
  publicApp.use('/v1', teamRouter(context));
  publicApp.use(notFound);
  publicApp.use(errorHandler(context.logger));
  if (!separate) return { public: publicApp, internal: undefined };

  const internalApp = baseApp();
  internalApp.use(healthRoutes(context));
  internalApp.get('/openapi.json', openApiRoute(['internal']));
  internalApp.use(internalRouter(context, internalApiToken, ingest, publicUrl));
  internalApp.use(notFound);
  internalApp.use(errorHandler(context.logger));
  return { public: publicApp, internal: internalApp };
}
