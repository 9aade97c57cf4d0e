import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { guard } from '../guard.js';
import { type FsConnection } from './fs.connection.js';
import {
  ChecksumMismatchError,
  exactly,
  type ObjectInfo,
  type PresignedRequest,
  type PresignPutOptions,
  type PutOptions,
  type RawStore,
  type StoredObject,
} from './raw-store.js';
import { type GrantSigner, type RawGrant } from './url-token.js';

interface Sidecar {
  contentType: string;
  metadata: Record<string, string>;
  sha256: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The embedded raw zone: <root>/<project>/<key>, metadata in <root>/<project>/.meta/<key>.json.
 * A write goes to .partial/ and is renamed into place once complete and synced, so a crash leaves
 * no half object. Presigned URLs point at the gateway's own /raw route.
 */
export class FsRawStore implements RawStore {
  readonly kind = 'FILESYSTEM' as const;
  readonly supportsMultipart = false;

  constructor(
    private readonly connection: FsConnection,
    private readonly signer: GrantSigner,
    /** The gateway's public base URL, known once it listens. */
    private readonly baseUrl: () => string,
  ) {}

  private dir(project: string, ...parts: string[]): string {
    for (const name of [project, ...parts]) {
      if (!SAFE_NAME.test(name)) throw new Error(`unsafe path segment ${JSON.stringify(name)}`);
    }
    return join(this.connection.root, project, ...parts);
  }

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return guard('raw', null, fn);
  }

  ensureBucket(project: string): Promise<void> {
    return this.call(async () => {
      await mkdir(join(this.dir(project), '.meta'), { recursive: true });
      await mkdir(join(this.dir(project), '.partial'), { recursive: true });
    });
  }

  async put(project: string, key: string, body: Readable, options: PutOptions): Promise<StoredObject> {
    const target = this.dir(project, key);
    const partial = join(this.dir(project), '.partial', `${key}-${randomBytes(4).toString('hex')}`);
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // Synchronous on purpose: the body may already flow, and must meet the pipeline before any await.
    mkdirSync(dirname(partial), { recursive: true });
    mkdirSync(join(this.dir(project), '.meta'), { recursive: true });
    try {
      await pipeline(
        options.size === undefined ? body : exactly(body, options.size),
        hashing,
        createWriteStream(partial, { flags: 'wx' }),
      );
      const file = await open(partial, 'r');
      await file.sync();
      await file.close();
      const sha256 = hash.digest('hex');
      if (options.sha256 && options.sha256 !== sha256)
        throw new ChecksumMismatchError('body does not match its SHA-256');
      const sidecar: Sidecar = { contentType: options.contentType, metadata: options.metadata, sha256 };
      await writeFile(join(this.dir(project), '.meta', `${key}.json`), JSON.stringify(sidecar));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return (await this.stat(project, key))!;
  }

  stat(project: string, key: string): Promise<StoredObject | null> {
    return this.call(async () => {
      const info = await stat(this.dir(project, key)).catch(() => null);
      if (!info) return null;
      const sidecar = await this.sidecar(project, key);
      return {
        size: info.size,
        etag: sidecar?.sha256.slice(0, 32) ?? String(info.mtimeMs),
        checksumSha256: sidecar ? Buffer.from(sidecar.sha256, 'hex').toString('base64') : undefined,
        lastModified: info.mtime,
      };
    });
  }

  /** Content type and metadata written with the object. */
  async sidecar(project: string, key: string): Promise<Sidecar | null> {
    const text = await readFile(join(this.dir(project), '.meta', `${key}.json`), 'utf8').catch(() => null);
    return text ? (JSON.parse(text) as Sidecar) : null;
  }

  async get(project: string, key: string, range?: { start: number; end: number }): Promise<Readable> {
    const path = this.dir(project, key);
    await this.call(() => stat(path));
    return createReadStream(path, range);
  }

  remove(project: string, key: string): Promise<void> {
    return this.call(async () => {
      await rm(this.dir(project, key), { force: true });
      await rm(join(this.dir(project), '.meta', `${key}.json`), { force: true });
    });
  }

  async *list(project: string): AsyncIterable<ObjectInfo> {
    const entries = await readdir(this.dir(project), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const info = await stat(join(this.dir(project), entry.name)).catch(() => null);
      if (info) yield { key: entry.name, size: info.size, lastModified: info.mtime };
    }
  }

  private url(grant: RawGrant): string {
    return `${this.baseUrl()}/raw/${this.signer.sign(grant)}`;
  }

  async presignGet(
    project: string,
    key: string,
    expiresIn: number,
    downloadName?: string,
  ): Promise<PresignedRequest> {
    const expires = Math.floor(Date.now() / 1000) + expiresIn;
    const url = this.url({ method: 'GET', project, key, expires, downloadName });
    return { method: 'GET', url, headers: {}, expiresAt: new Date(expires * 1000) };
  }

  async presignPut(project: string, key: string, options: PresignPutOptions): Promise<PresignedRequest> {
    const expires = Math.floor(Date.now() / 1000) + options.expiresInSeconds;
    const url = this.url({
      method: 'PUT',
      project,
      key,
      expires,
      contentType: options.contentType,
      sha256: options.sha256,
      maxSize: options.size,
    });
    return {
      method: 'PUT',
      url,
      headers: { 'content-type': options.contentType },
      expiresAt: new Date(expires * 1000),
    };
  }

  createMultipart(): Promise<string> {
    return Promise.reject(new Error('the filesystem store has no multipart uploads'));
  }

  presignPart(): Promise<PresignedRequest> {
    return this.createMultipart() as never;
  }

  completeMultipart(): Promise<void> {
    return this.createMultipart() as never;
  }

  async abortMultipart(): Promise<void> {}

  /** Removes the partial files an interrupted write of this key left. */
  abortUnfinished(project: string, key: string): Promise<void> {
    return this.call(async () => {
      const dir = join(this.dir(project), '.partial');
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names.filter((n) => n.startsWith(`${key}-`)).map((n) => rm(join(dir, n), { force: true })),
      );
    });
  }

  async close(): Promise<void> {}
}
