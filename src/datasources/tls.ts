import { readFileSync } from 'node:fs';
import https from 'node:https';
import { Agent } from 'undici';

/** Files a TLS connection to a store may need: the CA that signed the server, a client certificate and key. */
export interface TlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/** The files' contents, read once at start-up, as Node's TLS options take them. */
export interface TlsMaterial {
  readonly files: TlsFiles;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export function readTls(files: TlsFiles): TlsMaterial | null {
  if (!files.caFile && !files.certFile && !files.keyFile) return null;
  const read = (path?: string) => (path ? readFileSync(path) : undefined);
  return { files, ca: read(files.caFile), cert: read(files.certFile), key: read(files.keyFile) };
}

/** `ca`, `cert`, `key` for drivers that take Node TLS options (ioredis, mongodb, cassandra-driver, the Influx client). */
export function nodeTlsOptions(tls: TlsMaterial | null): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  if (!tls) return {};
  return { ca: tls.ca, cert: tls.cert, key: tls.key };
}

/** An agent for the minio client's HTTPS requests; undefined keeps its default. */
export function httpsAgent(tls: TlsMaterial | null): https.Agent | undefined {
  return tls ? new https.Agent({ ...nodeTlsOptions(tls), keepAlive: true }) : undefined;
}

/** A dispatcher for `fetch` (InfluxQL queries, Airflow's API); undefined keeps the global one. */
export function fetchDispatcher(tls: TlsMaterial | null): Agent | undefined {
  return tls ? new Agent({ connect: nodeTlsOptions(tls) }) : undefined;
}
