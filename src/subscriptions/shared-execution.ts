import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, print } from 'graphql';
import { mapAsyncIterator } from 'graphql/execution/mapAsyncIterator.js';
import { type Principal } from '../auth/principal.js';
import { type Context } from '../context/context.js';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Per published event (the object every subscriber's channel got), the result per sharing key. */
const executions = new WeakMap<object, Map<string, Result>>();

/**
 * graphql-js's `subscribe`, except that an event is executed once for all subscribers that sent the
 * same operation with the same variables and hold the same roles, instead of once per subscriber: with
 * a thousand subscribers of a project, one execution instead of a thousand.
 *
 * Each subscriber still gets its own source stream, made by the subscribe resolver with its own
 * context, so access is checked per principal when it subscribes, and a subscriber only ever sees the
 * events of its own stream. Sharing needs the very same event object: PubSub hands every local
 * subscriber the same one, while replayed events are read per subscriber and executed apart. The shared
 * execution runs with the context of whichever subscriber asked first; resolvers under a subscription
 * answer by role, never by subject, so its result is the same for all of them.
 */
export async function subscribeShared(
  args: ExecutionArgs,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const key = sharingKey(args);
  return mapAsyncIterator(stream, (event: unknown) => executeOnce(event, key, args));
}

function executeOnce(event: unknown, key: string, args: ExecutionArgs): Result {
  const run = () => execute({ ...args, rootValue: event });
  if (typeof event !== 'object' || event === null) return run();
  let results = executions.get(event);
  if (!results) executions.set(event, (results = new Map()));
  let result = results.get(key);
  if (!result) results.set(key, (result = run()));
  return result;
}

function sharingKey(args: ExecutionArgs): string {
  const { principal } = args.contextValue as Context;
  return JSON.stringify([
    args.document.loc?.source.body ?? print(args.document),
    args.operationName ?? null,
    args.variableValues ?? null,
    access(principal),
  ]);
}

function access(principal: Principal | null): unknown {
  if (!principal) return null;
  if (principal.platformAdmin) return 'platformAdmin';
  return [...principal.projects].sort(([a], [b]) => (a < b ? -1 : 1));
}
