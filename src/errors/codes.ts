/**
 * The closed list of `extensions.code` values a client can see. Anything else is masked as
 * INTERNAL_SERVER_ERROR by formatError.
 */
export const ErrorCode = {
  /** The HTTP request is not a valid GraphQL request. */
  BAD_REQUEST: 'BAD_REQUEST',
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** An argument has a bad value. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED: 'PERSISTED_QUERY_NOT_SUPPORTED',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  /** The thing exists already (a project name), or is being changed by another request. */
  CONFLICT: 'CONFLICT',
  /** The file is larger than the project allows (extensions.maxFileSize). */
  FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  /** The project holds as many objects as its profile allows (extensions.maxFiles). */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** The file's extension or content type is not in the project's allowed formats. */
  FORMAT_NOT_ALLOWED: 'FORMAT_NOT_ALLOWED',
  /** The project rejects duplicates and has this content already (extensions.duplicateOf). */
  DUPLICATE_CONTENT: 'DUPLICATE_CONTENT',
  /** An Idempotency-Key was used before for a different request. */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** The bytes that arrived are not the ones declared (size or SHA-256, extensions.reason); nothing was kept. */
  UPLOAD_VERIFICATION_FAILED: 'UPLOAD_VERIFICATION_FAILED',
  /** A pipeline step's work failed where it runs (an Airflow DAG run ended failed); `extensions.step` names it. */
  STEP_FAILED: 'STEP_FAILED',
  /** The field needs a store that has no URL configured. */
  SOURCE_NOT_CONFIGURED: 'SOURCE_NOT_CONFIGURED',
  /** The store is configured but down or too slow; `extensions.source` names it. */
  SOURCE_UNAVAILABLE: 'SOURCE_UNAVAILABLE',
  /** The client sent more requests than its budget; extensions.retryAfterSeconds says when to retry. */
  RATE_LIMITED: 'RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const known = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && known.has(value);
}
