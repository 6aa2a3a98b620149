import express, { type Express } from 'express';
import type { DispatcherContext } from './context';
import { deliveryRoutes } from './delivery/deliveryRoutes';
import { errorHandler, notFound } from './http/apiError';
import { requireInternalToken, requireTeamKey } from './http/auth';
import { eventRoutes } from './ingest/eventRoutes';
import { ingestRoute } from './ingest/ingestRoutes';
import { opsRoutes } from './ops/opsRoutes';
import { webhookRoutes } from './subscriptions/webhookRoutes';
import { internalTeamRoutes, meRoute } from './teams/teamRoutes';

/** The dispatcher's HTTP API (../shared/spec/dispatcher-api.md). */
export function createApp(context: DispatcherContext, internalApiToken: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // An API's answers are not cached by validators; hashing each one for an ETag is wasted work.
  app.set('etag', false);
  const internalToken = requireInternalToken(internalApiToken);
  // The hottest route first, straight on the app: it passes through no other router.
  app.post('/internal/v1/events', internalToken, ...ingestRoute(context));
  app.use(opsRoutes(context));

  const internal = express.Router();
  internal.use(internalToken);
  internal.use(express.json({ limit: '64kb' }));
  internal.use(internalTeamRoutes(context));
  app.use('/internal/v1', internal);

  const team = express.Router();
  team.use(requireTeamKey(context.store));
  team.use(express.json({ limit: '64kb' }));
  team.use(meRoute(), webhookRoutes(context), eventRoutes(context), deliveryRoutes(context));
  app.use('/v1', team);

  app.use(notFound);
  app.use(errorHandler(context.logger));
  return app;
}
