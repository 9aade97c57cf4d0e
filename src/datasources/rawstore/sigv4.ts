import { createHash, createHmac } from 'node:crypto';

export interface SigningTarget {
  endpoint: URL;
  region: string;
  accessKey: string;
  secretKey: string;
  pathStyle: boolean;
}

export interface PresignInput {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** Extra query parameters (e.g. partNumber, uploadId, response-content-disposition). */
  query?: Record<string, string>;
  /** Headers the client must send verbatim; they are part of the signature. */
  headers?: Record<string, string>;
  now?: Date;
}

/** RFC 3986 encoding as SigV4 wants it; '/' kept in paths. */
function encode(value: string, keepSlash = false): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlash ? encoded.replace(/%2F/g, '/') : encoded;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

/**
 * An AWS Signature V4 query-string presigned URL (UNSIGNED-PAYLOAD) that can sign extra headers,
 * which the `minio` client's presigner cannot: that is how a presigned PUT carries a checksum the
 * store enforces.
 */
export function presignV4(target: SigningTarget, input: PresignInput): string {
  const now = input.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${target.region}/s3/aws4_request`;
  const host = target.pathStyle ? target.endpoint.host : `${input.bucket}.${target.endpoint.host}`;
  const path = target.pathStyle
    ? `/${input.bucket}/${encode(input.key, true)}`
    : `/${encode(input.key, true)}`;

  const headers: Record<string, string> = { host };
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value.trim();
  const headerNames = Object.keys(headers).sort();

  const query: Record<string, string> = {
    ...input.query,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${target.accessKey}/${scope}`,
    'X-Amz-Date': amzDate,
    'X-Amz-Expires': String(input.expiresInSeconds),
    'X-Amz-SignedHeaders': headerNames.join(';'),
  };
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${encode(k)}=${encode(query[k]!)}`)
    .join('&');
  const canonicalRequest = [
    input.method,
    path,
    canonicalQuery,
    headerNames.map((n) => `${n}:${headers[n]}\n`).join(''),
    headerNames.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${target.secretKey}`, day), target.region), 's3'), 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `${target.endpoint.protocol}//${host}${path}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}
