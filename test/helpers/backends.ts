import { stackUrl, uniqueName } from './stack.js';

/** A configuration of the gateway's stores, as env variables. */
export interface Backend {
  name: string;
  env(): Record<string, string>;
}

/** A database of its own on the stack's MongoDB-wire server. */
export function freshMongoUrl(): string {
  const url = new URL(stackUrl('MONGODB_URL'));
  url.pathname = `/${uniqueName('lg_test', '_')}`;
  return url.toString();
}

export const RAW_BACKENDS: Backend[] = [
  { name: 'filesystem (embedded)', env: () => ({}) },
  { name: 'Swift s3api', env: () => ({ S3_URL: stackUrl('SWIFT_S3_URL') }) },
  { name: 'MinIO', env: () => ({ S3_URL: stackUrl('MINIO_S3_URL') }) },
];

/** Raw zone and catalog together, as users run them. */
export const LAKE_BACKENDS: Backend[] = [
  { name: 'embedded defaults', env: () => ({}) },
  {
    name: 'Swift + MongoDB wire',
    env: () => ({ S3_URL: stackUrl('SWIFT_S3_URL'), MONGODB_URL: freshMongoUrl() }),
  },
  {
    name: 'MinIO + MongoDB wire',
    env: () => ({ S3_URL: stackUrl('MINIO_S3_URL'), MONGODB_URL: freshMongoUrl() }),
  },
];
