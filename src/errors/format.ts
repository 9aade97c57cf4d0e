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

/**
 * Keeps coded errors, masks the rest. In production an unknown error says only "Internal server error";
 * elsewhere its message stays visible to help development. The original is logged by the caller.
 */
export function createErrorFormatter(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = errorCodeOf(formatted);
    if (code && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return {
        ...formatted,
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
