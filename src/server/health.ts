import { Router } from 'express';
import { type Services } from '../context/services.js';
import { processMetrics, watchEventLoop } from './metrics.js';

/**
 * /healthz: the process is alive. /readyz: every configured store answers (503 otherwise).
 * /metrics: memory and event-loop lag of the process, as JSON.
 */
export function healthRoutes(services: Services): Router {
  watchEventLoop();
  const router = Router();
  router.get('/metrics', (_req, res) => {
    res.json(processMetrics());
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const sources = await services.checkSources();
    const ready = sources.every((s) => s.state !== 'DOWN');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      sources: Object.fromEntries(
        sources.map((s) => [
          s.name,
          { kind: s.kind, status: s.state, latencyMs: s.latencyMs, detail: s.detail },
        ]),
      ),
    });
  });
  return router;
}
