import { GraphQLError } from 'graphql';
import { ErrorCode } from './codes.js';

/** Base class of every error the gateway raises on purpose: the code is part of the API. */
export class LakegateError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}, cause?: unknown) {
    super(message, {
      extensions: { ...extensions, code },
      originalError: cause instanceof Error ? cause : undefined,
    });
  }

  get code(): ErrorCode {
    return this.extensions['code'] as ErrorCode;
  }
}

export class BadInputError extends LakegateError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.BAD_USER_INPUT, message, extensions);
  }
}

export class NotFoundError extends LakegateError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

export class ConflictError extends LakegateError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super(ErrorCode.CONFLICT, message, extensions);
  }
}

export class SourceNotConfiguredError extends LakegateError {
  constructor(source: string) {
    super(ErrorCode.SOURCE_NOT_CONFIGURED, `The ${source} store is not configured`, { source });
  }
}

/** A store is down, refused the request or did not answer in time. The driver's message is logged, not shown. */
export class SourceUnavailableError extends LakegateError {
  constructor(source: string, cause?: unknown) {
    super(ErrorCode.SOURCE_UNAVAILABLE, `The ${source} store is unavailable`, { source }, cause);
  }
}
