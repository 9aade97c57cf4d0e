import { type ApolloServerPlugin } from '@apollo/server';
import { type ErrorRequestHandler } from 'express';
import { type GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors/codes.js';
import { type Context } from '../context/context.js';
import { createErrorFormatter, isExpected } from '../errors/format.js';
import { type Logger } from '../logger.js';

export type ErrorReporter = (error: GraphQLError, logger: Logger) => GraphQLFormattedError;

/** Logs an unexpected error in full, then returns what the client may see. Used by the WebSocket path. */
export function createErrorReporter(production: boolean): ErrorReporter {
  const format = createErrorFormatter(production);
  return (error, logger) => {
    const formatted = error.toJSON();
    if (!isExpected(formatted)) logger.error({ err: unwrapResolverError(error) }, 'unexpected error');
    return format(formatted, error);
  };
}

/** The HTTP twin of createErrorReporter: Apollo formats, this plugin logs with the request's logger. */
export function errorLoggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            if (!isExpected(error.toJSON())) {
              contextValue.logger.error({ err: unwrapResolverError(error) }, 'unexpected error');
            } else {
              contextValue.logger.debug(
                { code: error.extensions['code'], message: error.message },
                'request error',
              );
            }
          }
        },
      };
    },
  };
}

interface BodyParserError extends Error {
  status?: number;
  type?: string;
  expose?: boolean;
}

/**
 * Answers a body the JSON parser refused (malformed, too large, unknown charset) as a GraphQL error
 * with its 4xx status, instead of Express's HTML page that prints the stack outside production.
 */
export function bodyErrors(): ErrorRequestHandler {
  return (error: BodyParserError, _req, res, next) => {
    const status = error.status ?? 500;
    if (res.headersSent || status < 400 || status >= 500 || !error.expose) return next(error);
    const message =
      error.type === 'entity.parse.failed' ? 'The request body is not valid JSON' : error.message;
    res.status(status).json({ errors: [{ message, extensions: { code: ErrorCode.BAD_REQUEST } }] });
  };
}
