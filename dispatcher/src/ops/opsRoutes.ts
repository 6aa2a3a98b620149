import { Router } from 'express';
import type { DispatcherContext } from '../context';
import { internalTokenChecker } from '../http/auth';

/** `/healthz` and `/readyz`, on every listener. */
export function healthRoutes({
  storeStatus: store,
  logger,
}: Pick<DispatcherContext, 'storeStatus' | 'logger'>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await store.ping();
      res.json({ status: 'ready', store: store.engine });
    } catch (error) {
      logger.warn({ err: error }, 'readiness check: the store does not answer');
      res
        .status(503)
        .json({ error: { code: 'store_unavailable', message: 'The store does not answer; see the dispatcher log.' } });
    }
  });
  return router;
}

/**
 * `/metrics`: for the operators' listener (INTERNAL_PORT) when there is one. With METRICS_TOKEN
 * set, only for that bearer token: in single-port mode the metrics (team ids among them) face
 * every client.
 */
export function metricsRoute({ metrics, config }: DispatcherContext): Router {
  const router = Router();
  const token = config.metricsToken;
  const checkToken =
    token === undefined
      ? undefined
      : internalTokenChecker(token, 'The metrics token is not valid: send authorization: Bearer <METRICS_TOKEN>.');
  router.get('/metrics', async (req, res) => {
    checkToken?.(req.headers.authorization);
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
