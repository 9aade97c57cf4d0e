import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../src/errors/codes.js';
import { SourceUnavailableError } from '../../src/errors/errors.js';
import { createErrorFormatter } from '../../src/errors/format.js';

function formatted(error: GraphQLError) {
  return error.toJSON();
}

describe('error formatter', () => {
  it('keeps a coded error and its extensions', () => {
    const error = new SourceUnavailableError('graph', new Error('connect ECONNREFUSED 10.0.0.1:7687'));
    const out = createErrorFormatter(true)(formatted(error), error);
    assert.equal(out.message, 'The graph store is unavailable');
    assert.deepEqual(out.extensions, { source: 'graph', code: ErrorCode.SOURCE_UNAVAILABLE });
  });

  it('masks an unknown error in production', () => {
    const error = new GraphQLError('password=hunter2 rejected by db', { originalError: new Error('boom') });
    const out = createErrorFormatter(true)(formatted(error), error);
    assert.equal(out.message, 'Internal server error');
    assert.deepEqual(out.extensions, { code: ErrorCode.INTERNAL_SERVER_ERROR });
  });

  it('codes an unknown error but keeps its message outside production', () => {
    const error = new GraphQLError('wrapped', {
      path: ['sources'],
      originalError: new Error('the real reason'),
    });
    const out = createErrorFormatter(false)(formatted(error), error);
    assert.equal(out.message, 'the real reason');
    assert.equal(out.extensions?.['code'], ErrorCode.INTERNAL_SERVER_ERROR);
  });

  it('masks a code that is not in the closed list', () => {
    const error = new GraphQLError('driver said no', { extensions: { code: 'ECONNRESET' } });
    assert.equal(
      createErrorFormatter(true)(formatted(error), error).extensions?.['code'],
      'INTERNAL_SERVER_ERROR',
    );
  });

  it('translates library codes into the closed list', () => {
    const error = new GraphQLError('Access denied!', { extensions: { code: 'UNAUTHORIZED' } });
    assert.equal(
      createErrorFormatter(true)(formatted(error), error).extensions?.['code'],
      ErrorCode.FORBIDDEN,
    );
  });

  it('drops stack traces from coded errors in production', () => {
    const error = new GraphQLError('bad', { extensions: { code: 'BAD_USER_INPUT', stacktrace: ['at x'] } });
    assert.deepEqual(createErrorFormatter(true)(formatted(error), error).extensions, {
      code: 'BAD_USER_INPUT',
    });
  });

  it('drops suggestions from messages in production only', () => {
    const error = new GraphQLError(
      'Value "STORD" does not exist in "ObjectStatus" enum. Did you mean the enum value "STORED" or "FAILED"?',
      { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
    );
    assert.equal(
      createErrorFormatter(true)(formatted(error), error).message,
      'Value "STORD" does not exist in "ObjectStatus" enum.',
    );
    assert.match(createErrorFormatter(false)(formatted(error), error).message, /Did you mean/);
  });

  it('codes a document over the token limit like the other limits', () => {
    const error = new GraphQLError(
      'Syntax Error: Document contains more that 1000 tokens. Parsing aborted.',
      {
        extensions: { code: 'GRAPHQL_PARSE_FAILED' },
      },
    );
    const out = createErrorFormatter(true)(formatted(error), error);
    assert.equal(out.message, 'Token limit of 1000 exceeded.');
    assert.equal(out.extensions?.['code'], ErrorCode.GRAPHQL_VALIDATION_FAILED);
  });
});
