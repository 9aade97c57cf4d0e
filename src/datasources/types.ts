/** Which store a connection talks to. */
export type StoreKind =
  'S3' | 'FILESYSTEM' | 'MONGODB' | 'EMBEDDED' | 'INFLUXDB' | 'NEO4J' | 'CASSANDRA' | 'REDIS' | 'AIRFLOW';

/** The role a store plays in the lake; one connection per role. */
export type SourceName = 'raw' | 'catalog' | 'timeseries' | 'graph' | 'tables' | 'broker' | 'airflow';

/** A live connection to one store, owned by the gateway for its whole life. */
export interface StoreConnection {
  readonly name: SourceName;
  readonly kind: StoreKind;
  /** Where the store is, without credentials. */
  readonly endpoint: string;
  /** Resolves when the store answers a real request; rejects with SourceUnavailableError otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
