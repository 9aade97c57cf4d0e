import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type NextFunction, type Request, type Response } from 'express';

const defaultQuery = `# Welcome to lakegate. Every request needs a bearer token: mint one with
#   npm run token -- --admin        (or --project <name> --role viewer|editor|admin)
# and put {"Authorization": "Bearer <token>"} in the Headers tab below.
#
# Every store of the lake, with its live status:
query Sources {
  sources {
    name
    kind
    endpoint
    status
    latencyMs
  }
}

# Run this one to watch the stores go up and down live (over WebSocket):
subscription WatchSources {
  sources {
    name
    status
  }
}
`;

/**
 * GraphiQL's WebSocket client sends an empty connection_init, which the gateway refuses: this adds
 * the Authorization header of the headers editor (kept in localStorage, see shouldPersistHeaders).
 */
const connectionInitAuth = `<script>(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    try {
      const message = JSON.parse(data);
      const headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}');
      const authorization = headers.Authorization || headers.authorization;
      if (message.type === 'connection_init' && authorization) {
        data = JSON.stringify({ ...message, payload: { ...message.payload, authorization } });
      }
    } catch {}
    return send.call(this, data);
  };
})();</script>`;

interface RenderedPage {
  html: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The page, rendered and compressed once. Its bundle is megabytes of JavaScript, hence loaded only when asked for. */
async function renderPage(endpoint: string): Promise<RenderedPage> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const page = renderGraphiQL({
    endpoint,
    subscriptionsProtocol: 'WS',
    title: 'lakegate',
    defaultQuery,
    shouldPersistHeaders: true,
  });
  const html = Buffer.from(page.replace('<script', `${connectionInitAuth}<script`));
  const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`;
  return { html, gzipped: gzipSync(html), etag };
}

/**
 * Serves GraphiQL from the page bundled in node_modules (no CDN) to browsers that GET the GraphQL path
 * (`?query=` pre-fills the editor). Other requests pass through.
 */
export function graphiqlPage(endpoint: string) {
  let rendered: Promise<RenderedPage> | undefined;
  return async (req: Request, res: Response, next: NextFunction) => {
    const wantsPage = req.method === 'GET' && req.accepts(['json', 'html']) === 'html';
    if (!wantsPage) return next();
    const { html, gzipped, etag } = await (rendered ??= renderPage(endpoint));
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept, Accept-Encoding');
    if (req.headers['if-none-match'] === etag) return void res.status(304).end();
    res.type('html');
    if (req.acceptsEncodings('gzip')) {
      res.setHeader('Content-Encoding', 'gzip');
      return void res.send(gzipped);
    }
    res.send(html);
  };
}
