import { randomUUID } from 'node:crypto';
import { type Server } from 'node:http';
import {
  type ExecutionArgs,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import { type Disposable } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Principal } from '../auth/principal.js';
import { bearerToken } from './auth.js';
import { createContext } from '../context/context.js';
import { type Services } from '../context/services.js';
import { ErrorCode } from '../errors/codes.js';
import { clientKey, type RateLimiter, rateLimitedError } from './rate-limit.js';
import { type Logger } from '../logger.js';
import { subscribeShared } from '../subscriptions/shared-execution.js';
import { type ErrorReporter } from './errors.js';
import { MAX_MESSAGE_BYTES, type OperationChecks } from './limits.js';
import { keepSocketsAlive } from './ws-keepalive.js';
import { coalesceWrites } from './ws-coalesce.js';

/** What graphql-ws keeps per socket, with the principal of its token. */
interface SocketExtra {
  socket: WebSocket;
  principal?: Principal;
}

export interface WebSocketOptions {
  /** The HTTP path's checks, so both refuse the same operations. */
  checks: OperationChecks;
  /** Apollo enforces this on HTTP; graphql-ws needs the rule given. */
  introspection: boolean;
  /** A socket without connection_init by then is closed with 4408. */
  initTimeoutMs: number;
  /** Ping interval; a socket that has not answered the previous ping is dropped. 0: no pings. */
  keepAliveMs: number;
  /** Each subscribe counts as a request of the socket's client. */
  limiter: RateLimiter;
}

/** graphql-ws on the HTTP server's GraphQL path; each operation gets the same context an HTTP request gets. */
export function attachWebSocket(
  httpServer: Server,
  path: string,
  schema: GraphQLSchema,
  services: Services,
  logger: Logger,
  report: ErrorReporter,
  options: WebSocketOptions,
): Disposable {
  // A larger message closes the socket with 1009 before it is buffered whole (ws's default is 100 MiB).
  const wsServer = new WebSocketServer({ server: httpServer, path, maxPayload: MAX_MESSAGE_BYTES });
  keepSocketsAlive(wsServer, options.keepAliveMs, logger);
  const rules = [
    ...specifiedRules,
    ...options.checks.validationRules,
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];
  const server = useServer(
    {
      schema,
      subscribe: subscribeShared,
      connectionInitWaitTimeout: options.initTimeoutMs,
      // connection_init must carry a valid token ({ authorization: "Bearer …" }), else 4403; the
      // socket ends with 4403 when it expires.
      async onConnect(ctx) {
        const token = bearerToken(ctx.connectionParams?.['authorization']);
        if (!token) return false;
        try {
          const { principal, expiresAt } = await services.tokens.verify(token);
          const extra = ctx.extra as SocketExtra;
          extra.principal = principal;
          if (expiresAt) {
            const timer = setTimeout(
              () => extra.socket.close(4403, 'Forbidden: the token expired'),
              Math.max(expiresAt.getTime() - Date.now(), 0),
            );
            extra.socket.once('close', () => clearTimeout(timer));
          }
          return true;
        } catch {
          return false;
        }
      },
      onSubscribe(ctx, _id, payload): ExecutionArgs | readonly GraphQLError[] {
        const extra = ctx.extra as SocketExtra & { request?: { socket?: { remoteAddress?: string } } };
        const wait = options.limiter.take(
          clientKey(extra.principal ?? null, extra.request?.socket?.remoteAddress),
        );
        if (wait > 0) {
          const { message, extensions } = rateLimitedError(wait);
          return [new GraphQLError(message, { extensions })];
        }
        let document;
        try {
          document = parse(payload.query, options.checks.parseOptions);
        } catch (error) {
          return [coded(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED)];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((e) => coded(e, ErrorCode.GRAPHQL_VALIDATION_FAILED));
        // Variables are coerced here, as Apollo does on HTTP, so a wrong one is the client's error.
        const operation = getOperationAST(document, payload.operationName);
        if (operation) {
          const coerced = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            payload.variables ?? {},
          );
          if (coerced.errors) return coerced.errors.map((e) => coded(e, ErrorCode.BAD_USER_INPUT));
        }
        const requestId = randomUUID();
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: createContext(services, requestId, logger.child({ requestId }), {
            principal: extra.principal ?? null,
          }),
        };
      },
      onNext(_ctx, _id, _payload, args, result) {
        if (!result.errors) return;
        const { logger: log } = args.contextValue as { logger: Logger };
        return { ...result, errors: result.errors.map((e) => report(e, log)) };
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map((e) => report(e, logger));
      },
    },
    wsServer,
  );
  // graphql-ws prints any error of a socket to the console as an internal one, but ws emits only the
  // client's protocol errors there (a message over maxPayload, a bad frame), after closing the socket
  // with the matching code. Registered after useServer's listener, this one replaces it.
  wsServer.on('connection', (socket, request) => {
    coalesceWrites(socket, request.socket);
    socket.removeAllListeners('error');
    socket.on('error', (error) => logger.info({ err: error }, 'WebSocket closed on a protocol error'));
  });
  return server;
}

function coded(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
