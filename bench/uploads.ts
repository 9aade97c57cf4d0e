import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'minio';
import { type Endpoint, sendFile } from '../src/cli/ingest.js';
import { s3ClientOptions } from '../src/datasources/rawstore/s3.connection.js';
import { freshMongoUrl } from '../test/helpers/backends.js';
import { spawnGateway } from '../test/helpers/process.js';
import { stackUrl } from '../test/helpers/stack.js';
import { MIB, mbps, put, randomFile, ratio, RssSampler, sha256OfFile, timed } from './lib.js';

const ROUNDS = 3;

interface Presigned {
  uploadId: string;
  request: { url: string; headers: { name: string; value: string }[] } | null;
  parts: { partNumber: number; size: number; request: { url: string } }[];
}

async function gql<T>(to: Endpoint, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(to.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${to.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The presigned flow as a client runs it: createUpload, PUT (parts two at a time), completeUpload.
 * Resolves to the seconds completeUpload took.
 */
async function presignedUpload(
  to: Endpoint,
  project: string,
  path: string,
  size: number,
  sha256: string,
): Promise<number> {
  const { createUpload } = await gql<{ createUpload: Presigned }>(
    to,
    `mutation($input: CreateUploadInput!) { createUpload(input: $input) {
      uploadId request { url headers { name value } } parts { partNumber size request { url } } } }`,
    { input: { project, fileName: 'big.bin', contentType: 'application/octet-stream', size, sha256 } },
  );
  let parts: { partNumber: number; etag: string }[] | null = null;
  if (createUpload.request) {
    const headers = Object.fromEntries(createUpload.request.headers.map((h) => [h.name, h.value]));
    await put(createUpload.request.url, path, size, headers);
  } else {
    parts = [];
    const file = await open(path);
    const queue = [...createUpload.parts];
    let offset = 0;
    const offsets = new Map(createUpload.parts.map((p) => [p.partNumber, (offset += p.size) - p.size]));
    const worker = async () => {
      for (let part = queue.shift(); part; part = queue.shift()) {
        const buf = Buffer.alloc(part.size);
        await file.read(buf, 0, part.size, offsets.get(part.partNumber)!);
        parts!.push({ partNumber: part.partNumber, etag: await put(part.request.url, buf, part.size) });
      }
    };
    await Promise.all([worker(), worker()]);
    await file.close();
  }
  const completing = performance.now();
  await gql(
    to,
    'mutation($id: ID!, $parts: [CompletedPartInput!]) { completeUpload(uploadId: $id, parts: $parts) { uploadId } }',
    {
      id: createUpload.uploadId,
      parts,
    },
  );
  return (performance.now() - completing) / 1000;
}

interface SmallRun {
  seconds: number;
  failed: number;
  stored: number;
}

/** 100 files of 1 MiB through uploadFile at once, then how many the catalog lists as STORED. */
async function smallUploads(to: Endpoint, project: string, files: string[]): Promise<SmallRun> {
  const { result, seconds } = await timed(() =>
    Promise.all(
      files.map((path, i) =>
        sendFile(to, project, { path, name: `s${i}.bin` }, { size: MIB, owner: 'bench-small' }, null),
      ),
    ),
  );
  const { objects } = await gql<{ objects: { nodes: { objectId: number }[] } }>(
    to,
    `{ objects(project: "${project}", first: 100, filter: { status: STORED, owner: "bench-small" }) { nodes { objectId } } }`,
  );
  const failed = result.filter((r) => r.answer.errors || !r.answer.data).length;
  return { seconds, failed, stored: objects.nodes.length };
}

export async function uploadBenchmarks(): Promise<string[]> {
  const s3Url = stackUrl('MINIO_S3_URL');
  const big = await randomFile('1gib.bin', 1024 * MIB);
  const bigSize = statSync(big).size;
  const bigSha = await sha256OfFile(big);
  const smalls = await Promise.all(Array.from({ length: 100 }, (_, i) => randomFile(`1mib-${i}.bin`, MIB)));

  const gateway = await spawnGateway({ S3_URL: s3Url, MONGODB_URL: freshMongoUrl() });
  const endpoint = { url: `${gateway.url}/graphql`, token: gateway.adminToken };
  const client = new Client(s3ClientOptions(s3Url));
  const project = `bench-${Date.now().toString(36)}`;
  const bucket = project;
  try {
    await gql(endpoint, `mutation { createProject(name: "${project}") { name } }`);
    const direct: number[] = [];
    const plainPut: number[] = [];
    const streamed: number[] = [];
    const presigned: number[] = [];
    const completing: number[] = [];
    const rssGrowth: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
      direct.push(
        (await timed(() => client.putObject(bucket, `direct-${round}`, createReadStream(big), bigSize)))
          .seconds,
      );
      await client.removeObject(bucket, `direct-${round}`);
      const putUrl = await client.presignedPutObject(bucket, `plain-${round}`, 600);
      plainPut.push((await timed(() => put(putUrl, big, bigSize))).seconds);
      await client.removeObject(bucket, `plain-${round}`);

      const sampler = new RssSampler(gateway.child.pid!);
      await sampler.start();
      const up = await timed(() =>
        sendFile(endpoint, project, { path: big, name: 'big.bin' }, { size: bigSize }, null),
      );
      rssGrowth.push(sampler.stop().growth);
      if (up.result.answer.errors) throw new Error(JSON.stringify(up.result.answer.errors));
      streamed.push(up.seconds);

      const flow = await timed(() => presignedUpload(endpoint, project, big, bigSize, bigSha));
      presigned.push(flow.seconds);
      completing.push(flow.result);
    }

    const smallDirect = await timed(() =>
      Promise.all(
        smalls.map((path, i) => client.putObject(bucket, `small-${i}`, createReadStream(path), MIB)),
      ),
    );
    const smallGateway = await smallUploads(endpoint, project, smalls);
    const embedded = await spawnGateway({ S3_URL: s3Url, DATA_DIR: await mkdtemp(join(tmpdir(), 'bench-')) });
    let smallEmbedded: SmallRun;
    try {
      const other = `${project}-e`;
      const embeddedEndpoint = { url: `${embedded.url}/graphql`, token: embedded.adminToken };
      await gql(embeddedEndpoint, `mutation { createProject(name: "${other}") { name } }`);
      smallEmbedded = await smallUploads(embeddedEndpoint, other, smalls);
    } finally {
      embedded.child.kill('SIGTERM');
      await embedded.exited;
    }

    const gib = bigSize;
    const d = median(direct);
    const plain = median(plainPut);
    const s = median(streamed);
    const p = median(presigned);
    return [
      `| Upload of 1 GiB to MinIO (median of ${ROUNDS}) | seconds | MiB/s | ratio to direct putObject |`,
      '| --- | --- | --- | --- |',
      `| direct \`putObject\` (minio client, known size) | ${d.toFixed(2)} | ${mbps(gib, d)} | 1.00 |`,
      `| plain streaming PUT to a presigned URL (node:http, no gateway) | ${plain.toFixed(2)} | ${mbps(gib, plain)} | ${ratio(d, plain)} |`,
      `| \`uploadFile\` (GraphQL multipart, streamed through the gateway) | ${s.toFixed(2)} | ${mbps(gib, s)} | ${ratio(d, s)} |`,
      `| presigned flow (createUpload, PUT parts, completeUpload) | ${p.toFixed(2)} | ${mbps(gib, p)} | ${ratio(d, p)} |`,
      '',
      `Of the presigned flow, \`completeUpload\` took ${median(completing).toFixed(2)} s (median): a multipart object has no whole-object SHA-256 in S3, so the gateway reads it back once to hash it.`,
      '',
      `Peak RSS growth of the gateway during the 1 GiB \`uploadFile\`: ${rssGrowth.map((g) => (g / MIB).toFixed(1)).join(', ')} MiB (target ≤ 64 MiB).`,
      '',
      '| 100 concurrent uploads of 1 MiB | seconds | MiB/s | ratio |',
      '| --- | --- | --- | --- |',
      `| 100 direct \`putObject\` | ${smallDirect.seconds.toFixed(2)} | ${mbps(100 * MIB, smallDirect.seconds)} | 1.00 |`,
      `| 100 \`uploadFile\`, catalog on the MongoDB-wire server | ${smallGateway.seconds.toFixed(2)} | ${mbps(100 * MIB, smallGateway.seconds)} | ${ratio(smallDirect.seconds, smallGateway.seconds)} |`,
      `| 100 \`uploadFile\`, embedded catalog (same MinIO) | ${smallEmbedded.seconds.toFixed(2)} | ${mbps(100 * MIB, smallEmbedded.seconds)} | ${ratio(smallDirect.seconds, smallEmbedded.seconds)} |`,
      '',
      `Cataloged as STORED: ${smallGateway.stored} of 100 (MongoDB wire), ${smallEmbedded.stored} of 100 (embedded); failed requests: ${smallGateway.failed}, ${smallEmbedded.failed}.`,
    ];
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
}
