import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type TokenSettings } from './auth/tokens.js';
import { type TlsFiles } from './datasources/tls.js';
import {
  BUILT_IN_PIPELINES,
  loadPipelineDefinitions,
  type PipelineDefinitions,
} from './pipelines/definitions.js';

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

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** A byte count: "1048576", "64MiB", "5GiB", "100MB". */
const bytes = z
  .string()
  .regex(/^\d+\s*([kmgt]i?b|b)?$/i, { message: 'expected a size such as 1048576, 64MiB or 5GiB' })
  .transform((v) => {
    const [, n, unit] = /^(\d+)\s*([a-z]*)$/i.exec(v)!;
    return Number(n) * (UNITS[(unit || 'b').toLowerCase()] ?? 1);
  });

const MIB = 1024 ** 2;

const readableFile = z.string().refine(
  (path) => {
    try {
      accessSync(path, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a readable file' },
);

const env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),
  SOURCE_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  SOURCE_WRITE_TIMEOUT_MS: z.coerce.number().int().positive().default(30000),
  SOURCE_POLL_MS: z.coerce.number().int().min(250).default(5000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10000),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).default(10),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(1).default(1000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(50000),
  WS_INIT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  WS_KEEPALIVE_MS: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 100, { message: 'expected 0 (off) or at least 100' })
    .default(15000),
  PUBLIC_URL: url(['http', 'https']).optional(),
  DATA_DIR: z.string().min(1).default('data'),
  RAW_URL_SECRET: z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
  UPLOAD_MAX_FILE_SIZE: bytes.default('5GiB'),
  UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(100).default(10),
  UPLOAD_PART_SIZE: bytes
    .refine((n) => n >= 5 * MIB, { message: 'S3 parts are at least 5MiB' })
    .default('8MiB'),
  PRESIGN_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(604800).default(900),
  PRESIGN_MULTIPART_THRESHOLD: bytes.default('256MiB'),
  PRESIGN_PART_SIZE: bytes
    .refine((n) => n >= 5 * MIB, { message: 'S3 parts are at least 5MiB' })
    .default('64MiB'),
  PENDING_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60000),
  PROGRESS_INTERVAL_MS: z.coerce.number().int().min(50).default(500),
  PIPELINES_FILE: z.string().min(1).optional(),
  PIPELINE_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  PIPELINE_LEASE_MS: z.coerce.number().int().min(1000).default(60000),
  S3_URL: url(['http', 'https']).optional(),
  S3_BUCKET_PREFIX: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,30})?$/, { message: 'expected lower-case letters, digits and -' })
    .default(''),
  MONGODB_URL: url(['mongodb', 'mongodb+srv']).optional(),
  MONGODB_COMMAND_EVENTS: bool.default('false'),
  INFLUX_URL: url(['http', 'https']).optional(),
  INFLUX_TOKEN: z.string().optional(),
  INFLUX_ORG: z.string().optional(),
  INFLUX_BUCKET: z.string().min(1).default('lakegate'),
  INFLUX_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5000),
  INFLUX_WRITE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  NEO4J_URL: url(['bolt', 'bolt+s', 'neo4j', 'neo4j+s']).optional(),
  CASSANDRA_URL: url(['cassandra']).optional(),
  CASSANDRA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(99).default(1),
  CASSANDRA_WRITE_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(32),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  RATE_LIMIT_REQUESTS_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  AUTH_JWT_SECRET: z.string().min(32, { message: 'expected at least 32 characters' }).optional(),
  AUTH_JWKS_URL: url(['http', 'https']).optional(),
  AUTH_ISSUER: z.string().min(1).default('lakegate'),
  AUTH_AUDIENCE: z.string().min(1).default('lakegate'),
  RATE_LIMIT_UPLOADS_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  TLS_CA_FILE: readableFile.optional(),
  TLS_CERT_FILE: readableFile.optional(),
  TLS_KEY_FILE: readableFile.optional(),
  AIRFLOW_URL: url(['http', 'https']).optional(),
  AIRFLOW_POLL_MS: z.coerce.number().int().min(100).default(2000),
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
  /** Deadline of one store call made by an upload or pipeline: a busy store slows them down before failing them. */
  readonly sourceWriteTimeoutMs: number;
  /** How often the `sources` subscription re-checks the stores while someone watches. */
  readonly sourcePollMs: number;
  readonly shutdownGraceMs: number;
  /** What one GraphQL operation may ask for, on HTTP and WebSocket alike. */
  readonly operationLimits: {
    readonly depth: number;
    readonly aliases: number;
    readonly directives: number;
    readonly tokens: number;
    /** graphql-armor's cost: objects weigh 2, scalars 1, times 1.5 per level and times a literal `first`. */
    readonly cost: number;
  };
  /** How long a WebSocket may stay open without a connection_init message. */
  readonly wsInitTimeoutMs: number;
  /** How often each WebSocket is pinged; one that has not answered the previous ping is dropped. 0: never. */
  readonly wsKeepAliveMs: number;
  /** Base URL clients reach the gateway at; null: its own listening address. */
  readonly publicUrl: string | null;
  /** Where the embedded raw store and catalog keep their files. */
  readonly dataDir: string;
  /** Signs the embedded raw store's URLs; null: a random secret per process. */
  readonly rawUrlSecret: string | null;
  readonly s3BucketPrefix: string;
  readonly uploads: {
    readonly maxFileSize: number;
    readonly maxFiles: number;
    readonly partSize: number;
    readonly presignExpiresSeconds: number;
    readonly presignMultipartThreshold: number;
    readonly presignPartSize: number;
    /** How long a streamed upload's intent lives without a sign of progress before the reconciler may act. */
    readonly pendingTimeoutMs: number;
    readonly reconcileIntervalMs: number;
    /** Least time between two BYTES_RECEIVED events of one upload. */
    readonly progressIntervalMs: number;
  };
  readonly pipelines: {
    readonly definitions: PipelineDefinitions;
    /** Runs one gateway executes at once; 0: none (an API-only gateway, others on the same Redis run them). */
    readonly concurrency: number;
    /** How long a running run stays claimed without its runner renewing the claim. */
    readonly leaseMs: number;
  };
  /** Where and how the json-to-influx step writes and timeSeries reads. */
  readonly timeseries: {
    /** The bucket (on InfluxDB 1.x, the database). */
    readonly bucket: string;
    /** Points per write request. */
    readonly batchSize: number;
    /** Write requests in flight at once: a pipeline batch is this many requests. */
    readonly writeConcurrency: number;
  };
  /** Per client and minute, with bursts up to as many; 0: no limit. */
  readonly rateLimits: { readonly requestsPerMinute: number; readonly uploadsPerMinute: number };
  /**
   * How bearer tokens are verified. Without AUTH_JWT_SECRET or AUTH_JWKS_URL (never in production),
   * with a secret the gateway makes and keeps in `localSecretFile`.
   */
  readonly auth: TokenSettings & { readonly localSecretFile?: string };
  /** Proxies in front of the gateway whose X-Forwarded-For names the client (rate limits, logs). */
  readonly trustProxyHops: number;
  /** CA, client certificate and key for stores reached over TLS (https, rediss, neo4j+s, tls=true). */
  readonly tls: TlsFiles;
  readonly stores: {
    readonly s3?: string;
    readonly mongodb?: { readonly url: string; readonly commandEvents: boolean };
    readonly influx?: { readonly url: string; readonly token?: string; readonly org?: string };
    readonly neo4j?: string;
    readonly cassandra?: string;
    readonly redis?: string;
    /** Workflows the `airflow` step triggers; polled every `pollIntervalMs` until they end. */
    readonly airflow?: { readonly url: string; readonly pollIntervalMs: number };
  };
  readonly cassandra: {
    /** Of the SimpleStrategy keyspace made for each project's tables. */
    readonly replicationFactor: number;
    /** Rows a pipeline step has in flight at once. */
    readonly writeConcurrency: number;
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
  let definitions = BUILT_IN_PIPELINES;
  try {
    if (e.PIPELINES_FILE) definitions = loadPipelineDefinitions(e.PIPELINES_FILE);
  } catch (error) {
    throw new ConfigError(`invalid configuration:\n  PIPELINES_FILE: ${(error as Error).message}`);
  }
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new ConfigError(
      'invalid configuration:\n  TLS_CERT_FILE, TLS_KEY_FILE: a client certificate needs its key, and the other way round',
    );
  }
  if (e.PIPELINE_CONCURRENCY === 0 && !(e.REDIS_URL && e.MONGODB_URL)) {
    throw new ConfigError(
      'invalid configuration:\n  PIPELINE_CONCURRENCY: 0 (run no pipelines here) needs REDIS_URL and MONGODB_URL, so that other gateways run them',
    );
  }
  const production = e.NODE_ENV === 'production';
  if (production && !e.AUTH_JWT_SECRET && !e.AUTH_JWKS_URL) {
    throw new ConfigError(
      'invalid configuration:\n  AUTH_JWT_SECRET, AUTH_JWKS_URL: production needs one of them to verify tokens',
    );
  }
  return deepFreeze({
    env: e.NODE_ENV,
    production,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    graphiql: e.GRAPHIQL ?? !production,
    introspection: e.INTROSPECTION ?? !production,
    sourceTimeoutMs: e.SOURCE_TIMEOUT_MS,
    sourceWriteTimeoutMs: e.SOURCE_WRITE_TIMEOUT_MS,
    sourcePollMs: e.SOURCE_POLL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    operationLimits: {
      depth: e.GRAPHQL_MAX_DEPTH,
      aliases: e.GRAPHQL_MAX_ALIASES,
      directives: e.GRAPHQL_MAX_DIRECTIVES,
      tokens: e.GRAPHQL_MAX_TOKENS,
      cost: e.GRAPHQL_MAX_COST,
    },
    wsInitTimeoutMs: e.WS_INIT_TIMEOUT_MS,
    wsKeepAliveMs: e.WS_KEEPALIVE_MS,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, '') ?? null,
    dataDir: e.DATA_DIR,
    rawUrlSecret: e.RAW_URL_SECRET ?? null,
    s3BucketPrefix: e.S3_BUCKET_PREFIX,
    uploads: {
      maxFileSize: e.UPLOAD_MAX_FILE_SIZE,
      maxFiles: e.UPLOAD_MAX_FILES,
      partSize: e.UPLOAD_PART_SIZE,
      presignExpiresSeconds: e.PRESIGN_EXPIRES_SECONDS,
      presignMultipartThreshold: e.PRESIGN_MULTIPART_THRESHOLD,
      presignPartSize: e.PRESIGN_PART_SIZE,
      pendingTimeoutMs: e.PENDING_TIMEOUT_MS,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      progressIntervalMs: e.PROGRESS_INTERVAL_MS,
    },
    pipelines: {
      definitions,
      concurrency: e.PIPELINE_CONCURRENCY,
      leaseMs: e.PIPELINE_LEASE_MS,
    },
    timeseries: {
      bucket: e.INFLUX_BUCKET,
      batchSize: e.INFLUX_BATCH_SIZE,
      writeConcurrency: e.INFLUX_WRITE_CONCURRENCY,
    },
    trustProxyHops: e.TRUST_PROXY_HOPS,
    auth: {
      secret: e.AUTH_JWT_SECRET,
      jwksUrl: e.AUTH_JWKS_URL,
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      localSecretFile: e.AUTH_JWT_SECRET || e.AUTH_JWKS_URL ? undefined : join(e.DATA_DIR, 'auth-secret'),
    },
    rateLimits: {
      requestsPerMinute: e.RATE_LIMIT_REQUESTS_PER_MINUTE,
      uploadsPerMinute: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
    },
    tls: { caFile: e.TLS_CA_FILE, certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE },
    stores: {
      s3: e.S3_URL,
      mongodb: e.MONGODB_URL ? { url: e.MONGODB_URL, commandEvents: e.MONGODB_COMMAND_EVENTS } : undefined,
      influx: e.INFLUX_URL ? { url: e.INFLUX_URL, token: e.INFLUX_TOKEN, org: e.INFLUX_ORG } : undefined,
      neo4j: e.NEO4J_URL,
      cassandra: e.CASSANDRA_URL,
      redis: e.REDIS_URL,
      airflow: e.AIRFLOW_URL ? { url: e.AIRFLOW_URL, pollIntervalMs: e.AIRFLOW_POLL_MS } : undefined,
    },
    cassandra: {
      replicationFactor: e.CASSANDRA_REPLICATION_FACTOR,
      writeConcurrency: e.CASSANDRA_WRITE_CONCURRENCY,
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
