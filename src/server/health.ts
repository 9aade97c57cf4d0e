import { Router } from 'express';
import { type Services } from '../context/services.js';

/** /healthz: the process is alive. /readyz: every configured store answers (503 otherwise). */
export function healthRoutes(services: Services): Router {
  const router = Router();
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
