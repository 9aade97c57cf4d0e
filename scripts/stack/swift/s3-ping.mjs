// Readiness probe for Swift's S3 layer without a client library: one ListBuckets signed with
// AWS SigV4, exit 0 on 200. It proves s3api, tempauth and memcached answer together.
// Usage: node s3-ping.mjs [port] [accessKey] [secretKey] [region]
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import process from 'node:process';

const [port = '8080', accessKey = 'test:tester', secretKey = 'testing', region = 'us-east-1'] =
  process.argv.slice(2);
const host = `127.0.0.1:${port}`;

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''); // 20260101T000000Z
const day = amzDate.slice(0, 8);
const payloadHash = sha256('');
const signedHeaders = 'host;x-amz-content-sha256;x-amz-date';
const canonicalRequest = [
  'GET',
  '/',
  '',
  `host:${host}`,
  `x-amz-content-sha256:${payloadHash}`,
  `x-amz-date:${amzDate}`,
  '',
  signedHeaders,
  payloadHash,
].join('\n');
const scope = `${day}/${region}/s3/aws4_request`;
const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
let key = hmac(`AWS4${secretKey}`, day);
for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

const request = http.get({
  host: '127.0.0.1',
  port: Number(port),
  path: '/',
  timeout: 3000,
  headers: {
    host,
    'x-amz-content-sha256': payloadHash,
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  },
});
request.on('timeout', () => request.destroy());
request.on('error', () => process.exit(1));
request.on('response', (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
