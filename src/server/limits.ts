import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';
import { type Config } from '../config.js';
import { ErrorCode } from '../errors/codes.js';

/** Largest request body (HTTP) or message (WebSocket) the gateway reads, multipart files aside. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** The checks every operation passes before it runs, on HTTP (Apollo) and WebSocket (graphql-ws) alike. */
export interface OperationChecks {
  /**
   * The token limit, as graphql-js's own parse option: it counts what graphql-armor's max-tokens counts,
   * and works where that plugin cannot (it throws from Apollo's parsingDidStart hook, which Apollo
   * Server answers with a 500). errors/format.ts gives the refusal the code of the other limits.
   */
  readonly parseOptions: ParseOptions;
  /** graphql-armor's depth, aliases, directives and cost limits, added to the specified rules. */
  readonly validationRules: readonly ValidationRule[];
}

export function operationChecks(limits: Config['operationLimits']): OperationChecks {
  // The rules report through the validation context instead of throwing, so a refusal is an
  // ordinary validation error (400 on HTTP, an error message on WebSocket), with our own code.
  const refuse = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(
      new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
        extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
      }),
    );
  const options = { exposeLimits: true, propagateOnRejection: false, onReject: [refuse] };
  return {
    parseOptions: { maxTokens: limits.tokens },
    validationRules: [
      maxDepthRule({ ...options, n: limits.depth }),
      maxAliasesRule({ ...options, n: limits.aliases }),
      maxDirectivesRule({ ...options, n: limits.directives }),
      costLimitRule({ ...options, maxCost: limits.cost }),
    ],
  };
}
