import express, { type Express } from 'express';
import type { DispatcherContext } from './context';
import { deliveryRoutes } from './delivery/deliveryRoutes';
import { errorHandler, notFound } from './http/apiError';
import { requireInternalToken, requireTeamKey } from './http/auth';
import { eventRoutes } from './ingest/eventRoutes';
import { ingestPath, type IngestHandler } from './ingest/ingestHandler';
import { opsRoutes } from './ops/opsRoutes';
import { webhookRoutes } from './subscriptions/webhookRoutes';
import { internalTeamRoutes, meRoute } from './teams/teamRoutes';

/** The dispatcher's HTTP API (dispatcher/docs/api.md). */
export function createApp(context: DispatcherContext, internalApiToken: string, ingest: IngestHandler): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // An API's answers are not cached by validators; hashing each one for an ETag is wasted work.
  app.set('etag', false);
  // The server hands the exact path to `ingest` before Express; this takes its other spellings.
  app.post(ingestPath, (req, res) => ingest(req, res));
  app.use(opsRoutes(context));

  const internal = express.Router();
  internal.use(requireInternalToken(internalApiToken));
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
