import { Transform } from 'node:stream';
import { type Request, type Response, Router } from 'express';
import { type FsRawStore } from '../datasources/rawstore/fs.raw-store.js';
import { ChecksumMismatchError } from '../datasources/rawstore/raw-store.js';
import { type GrantSigner } from '../datasources/rawstore/url-token.js';

class TooLarge extends Error {}

/**
 * The embedded raw store's presigned URLs: GET /raw/<token> downloads (with Range), PUT /raw/<token>
 * uploads, checked against the size and SHA-256 the token was signed with.
 */
export function rawRoutes(store: FsRawStore, signer: GrantSigner): Router {
  const router = Router();

  router.get('/raw/:token', async (req: Request, res: Response) => {
    const grant = signer.verify(String(req.params['token']), 'GET');
    if (!grant) return void res.status(403).json({ error: 'invalid or expired URL' });
    const stat = await store.stat(grant.project, grant.key);
    const sidecar = await store.sidecar(grant.project, grant.key);
    if (!stat) return void res.status(404).json({ error: 'no such object' });
    res.setHeader('content-type', sidecar?.contentType ?? 'application/octet-stream');
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('etag', `"${stat.etag}"`);
    if (grant.downloadName) {
      res.setHeader(
        'content-disposition',
        `attachment; filename*=UTF-8''${encodeURIComponent(grant.downloadName)}`,
      );
    }
    const range = req.range(stat.size);
    if (Array.isArray(range) && range.length === 1 && range.type === 'bytes') {
      const { start, end } = range[0]!;
      res.status(206).setHeader('content-range', `bytes ${start}-${end}/${stat.size}`);
      res.setHeader('content-length', String(end - start + 1));
      return void (await store.get(grant.project, grant.key, { start, end })).pipe(res);
    }
    res.setHeader('content-length', String(stat.size));
    (await store.get(grant.project, grant.key)).pipe(res);
  });

  router.put('/raw/:token', async (req: Request, res: Response) => {
    const grant = signer.verify(String(req.params['token']), 'PUT');
    if (!grant) return void res.status(403).json({ error: 'invalid or expired URL' });
    if (grant.contentType && req.headers['content-type'] !== grant.contentType) {
      return void res.status(400).json({ error: `content-type must be ${grant.contentType}` });
    }
    let size = 0;
    const limited = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (grant.maxSize === undefined || size <= grant.maxSize) return done(null, chunk);
        // Stop reading into the store; the rest of the body is drained and dropped.
        req.unpipe(limited);
        req.resume();
        done(new TooLarge());
      },
    });
    // A client that goes away mid-body must fail the write, not leave it waiting.
    req.once('close', () => {
      if (!req.complete && !limited.destroyed && !limited.writableFinished)
        limited.destroy(new Error('request aborted'));
    });
    try {
      const stored = await store.put(grant.project, grant.key, req.pipe(limited), {
        contentType: grant.contentType ?? 'application/octet-stream',
        metadata: {},
        sha256: grant.sha256,
      });
      res.status(200).setHeader('etag', `"${stored.etag}"`).end();
    } catch (error) {
      if (error instanceof TooLarge)
        return void res.status(413).json({ error: 'body larger than the signed size' });
      if (error instanceof ChecksumMismatchError) {
        return void res.status(400).json({ error: 'body does not match the signed SHA-256' });
      }
      throw error;
    }
  });

  return router;
}
