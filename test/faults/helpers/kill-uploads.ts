import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { print } from 'graphql';
import { UploadFileDocument } from '../../generated/graphql.js';
import { sha256 } from '../../helpers/lake.js';

/** One file a client means to upload. */
export interface PlannedUpload {
  name: string;
  type: string;
  content: Buffer;
  sha256: string;
  /** Sent as `metadata.size`: the gateway then streams one PUT; without it, S3 multipart parts. */
  declareSize: boolean;
  otherData: Record<string, unknown> | null;
}

export function plannedUpload(
  name: string,
  type: string,
  content: Buffer,
  declareSize: boolean,
  otherData: Record<string, unknown> | null = null,
): PlannedUpload {
  return { name, type, content, sha256: sha256(content), declareSize, otherData };
}

/** What the client saw: a stored object, a GraphQL refusal, or a connection that died. */
export type UploadAnswer =
  | { kind: 'stored'; objectId: number; sha256: string }
  | { kind: 'refused'; status: number; body: string }
  | { kind: 'cut'; error: string };

export interface UploadInFlight {
  plan: PlannedUpload;
  /** Bytes of the file written to the socket so far. */
  sent: number;
  /** True once the upload stopped at its `holdAt` and waits, mid-stream, for its connection to die. */
  held: boolean;
  answer: UploadAnswer | null;
  done: Promise<UploadAnswer>;
}

const CHUNK = 256 * 1024;

export interface Pace {
  /** Pause between two chunks. */
  pauseMs?: number;
  /** Stop sending after this many bytes of the file, and keep the request open. */
  holdAt?: number;
}

/**
 * A GraphQL multipart upload sent chunk by chunk, paced or held mid-stream, so that it is still on its
 * way when the gateway dies. Never rejects: a dead connection is a `cut` answer.
 */
export function startUpload(
  graphqlUrl: string,
  token: string,
  project: string,
  plan: PlannedUpload,
  { pauseMs = 0, holdAt = Infinity }: Pace = {},
): UploadInFlight {
  const boundary = `upload-${randomUUID()}`;
  const metadata = { otherData: plan.otherData, ...(plan.declareSize && { size: plan.content.length }) };
  const operations = JSON.stringify({
    query: print(UploadFileDocument),
    variables: { project, file: null, metadata },
  });
  const req = request(graphqlUrl, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'apollo-require-preflight': 'true',
      authorization: `Bearer ${token}`,
    },
  });
  const flight: UploadInFlight = {
    plan,
    sent: 0,
    held: false,
    answer: null,
    done: Promise.resolve(null as never),
  };
  flight.done = new Promise<UploadAnswer>((resolve) => {
    const settle = (answer: UploadAnswer) => {
      flight.answer ??= answer;
      resolve(flight.answer);
    };
    req.on('error', (error) => settle({ kind: 'cut', error: error.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (error) => settle({ kind: 'cut', error: error.message }));
      res.on('end', () => settle(readAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString())));
    });
  });
  void (async () => {
    req.write(
      [
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.file"]}\r\n`,
        `--${boundary}\r\nContent-Disposition: form-data; name="0"; filename="${plan.name}"\r\n`,
        `Content-Type: ${plan.type}\r\n\r\n`,
      ].join(''),
    );
    for (let at = 0; at < plan.content.length && !req.destroyed; at += CHUNK) {
      if (at >= holdAt) {
        flight.held = true;
        return;
      }
      const chunk = plan.content.subarray(at, at + CHUNK);
      const flushed = req.write(chunk);
      flight.sent = at + chunk.length;
      if (!flushed) await Promise.race([once(req, 'drain'), flight.done]).catch(() => {});
      if (pauseMs > 0) await sleep(pauseMs);
    }
    if (!req.destroyed) req.end(`\r\n--${boundary}--\r\n`);
  })();
  return flight;
}

function readAnswer(status: number, body: string): UploadAnswer {
  try {
    const parsed = JSON.parse(body) as {
      data?: { uploadFile?: { object: { objectId: number; sha256: string } } };
    };
    const object = parsed.data?.uploadFile?.object;
    if (status === 200 && object) return { kind: 'stored', objectId: object.objectId, sha256: object.sha256 };
  } catch {
    // not JSON: reported as a refusal with its text
  }
  return { kind: 'refused', status, body };
}
