import { type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, isErrorCode } from './codes.js';

/** Codes raised by libraries under other names, translated into the closed list. */
const aliases: Record<string, ErrorCode> = { UNAUTHORIZED: ErrorCode.FORBIDDEN };

export function errorCodeOf(formatted: GraphQLFormattedError): ErrorCode | undefined {
  const code = formatted.extensions?.['code'];
  if (isErrorCode(code)) return code;
  return typeof code === 'string' ? aliases[code] : undefined;
}

/** An error is "expected" when it carries one of our codes; anything else is a bug or a leak risk. */
export function isExpected(formatted: GraphQLFormattedError): boolean {
  const code = errorCodeOf(formatted);
  return code !== undefined && code !== ErrorCode.INTERNAL_SERVER_ERROR;
}

/** graphql-js aborts a document over the token limit with a syntax error; it is refused like the other limits. */
const tokenLimit = /^Syntax Error: Document contains more th(?:at|an) (\d+) tokens/;

function codedAsLimit(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const limit = tokenLimit.exec(formatted.message)?.[1];
  if (limit === undefined || errorCodeOf(formatted) !== ErrorCode.GRAPHQL_PARSE_FAILED) return formatted;
  return {
    ...formatted,
    message: `Token limit of ${limit} exceeded.`,
    extensions: { ...formatted.extensions, code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
  };
}

/** "Did you mean …?" names fields, arguments, types and enum values a client may not know of. */
const suggestion = /\s*Did you mean [^?]*\?/g;

/**
 * Keeps coded errors, masks the rest. In production an unknown error says only "Internal server error";
 * elsewhere its message stays visible to help development. The original is logged by the caller.
 * Production also drops graphql-js's suggestions from messages, which would reveal the schema piece by
 * piece with introspection off.
 */
export function createErrorFormatter(production: boolean) {
  return (raw: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const formatted = codedAsLimit(raw);
    const code = errorCodeOf(formatted);
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return {
        ...formatted,
        message: production ? formatted.message.replace(suggestion, '') : formatted.message,
        extensions: production ? { ...extensions, code } : { ...formatted.extensions, code },
      };
    }
    const original = unwrapResolverError(error);
    const message = production ? 'Internal server error' : (original as Error)?.message || formatted.message;
    return {
      message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: production
        ? { code: ErrorCode.INTERNAL_SERVER_ERROR }
        : { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
