import { Router } from 'express';
import type { DispatcherContext } from '../context';

/** `/healthz` and `/readyz`, on every listener. */
export function healthRoutes({ store, logger }: DispatcherContext): Router {
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

/** `/metrics`: for the operators' listener (INTERNAL_PORT) when there is one. */
export function metricsRoute({ metrics }: DispatcherContext): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
