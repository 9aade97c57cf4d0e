import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.includes(new URL(v).protocol.replace(/:$/, '')), {
      message: `expected a ${protocols.join(' or ')} URL`,
    });

const env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),
  SOURCE_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  SOURCE_POLL_MS: z.coerce.number().int().min(250).default(5000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10000),
  S3_URL: url(['http', 'https']).optional(),
  MONGODB_URL: url(['mongodb', 'mongodb+srv']).optional(),
  INFLUX_URL: url(['http', 'https']).optional(),
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_ORG: z.string().optional(),
  NEO4J_URL: url(['bolt', 'bolt+s', 'neo4j', 'neo4j+s']).optional(),
  CASSANDRA_URL: url(['cassandra']).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
});

export type Env = z.infer<typeof env>;

/** Names of every variable the gateway reads. */
export const ENV_VARIABLES: readonly string[] = Object.keys(env.shape);

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly production: boolean;
  readonly host: string;
  readonly port: number;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly graphiql: boolean;
  readonly introspection: boolean;
  readonly sourceTimeoutMs: number;
  /** How often the `sources` subscription re-checks the stores while someone watches. */
  readonly sourcePollMs: number;
  readonly shutdownGraceMs: number;
  readonly stores: {
    readonly s3?: string;
    readonly mongodb?: string;
    readonly influx?: { readonly url: string; readonly token?: string; readonly org?: string };
    readonly neo4j?: string;
    readonly cassandra?: string;
    readonly redis?: string;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = env.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  return deepFreeze({
    env: e.NODE_ENV,
    production,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ?? !production,
    introspection: e.INTROSPECTION ?? !production,
    sourceTimeoutMs: e.SOURCE_TIMEOUT_MS,
    sourcePollMs: e.SOURCE_POLL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    stores: {
      s3: e.S3_URL,
      mongodb: e.MONGODB_URL,
      influx: e.INFLUX_URL ? { url: e.INFLUX_URL, token: e.INFLUX_TOKEN, org: e.INFLUX_ORG } : undefined,
      neo4j: e.NEO4J_URL,
      cassandra: e.CASSANDRA_URL,
      redis: e.REDIS_URL,
    },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
