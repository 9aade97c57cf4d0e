import { type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

export const MIB = 1024 * 1024;

/** A file of random bytes in the temp folder, made once and reused by later runs. */
export async function randomFile(name: string, size: number): Promise<string> {
  const path = join(tmpdir(), `lakegate-bench-${name}`);
  if (existsSync(path) && statSync(path).size === size) return path;
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= MIB) {
    if (!out.write(randomBytes(Math.min(MIB, left))))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return path;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  const result = await fn();
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Resident memory of a process, sampled; the kernel's peak counter is reset first (Linux, own processes). */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  baseline = 0;
  peak = 0;

  constructor(private readonly pid: number) {}

  private async rss(): Promise<number> {
    const status = await readFile(`/proc/${this.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  }

  async start(): Promise<void> {
    this.baseline = await this.rss();
    this.peak = this.baseline;
    this.timer = setInterval(() => {
      this.rss().then(
        (v) => (this.peak = Math.max(this.peak, v)),
        () => {},
      );
    }, 20);
  }

  stop(): { baseline: number; peak: number; growth: number } {
    clearInterval(this.timer);
    return { baseline: this.baseline, peak: this.peak, growth: this.peak - this.baseline };
  }
}

export function mbps(bytes: number, seconds: number): number {
  return Math.round((bytes / MIB / seconds) * 10) / 10;
}

export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100;
}

/**
 * PUTs a file (streamed from its path) or a buffer to a presigned URL with node:http, its length known:
 * the plainest way to write, as a browser does natively. Resolves to the ETag.
 */
export async function put(
  url: string,
  body: string | Buffer,
  size: number,
  headers: Record<string, string> = {},
): Promise<string> {
  const req = http.request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(size) } });
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  if (typeof body === 'string') await pipeline(createReadStream(body), req);
  else req.end(body);
  const res = await answered;
  res.resume();
  if (res.statusCode !== 200) throw new Error(`PUT answered ${res.statusCode}`);
  return String(res.headers.etag ?? '').replace(/"/g, '');
}

/** Ends a benchmark process: SIGTERM, then SIGKILL if it is still there after `graceMs` (too busy, or draining). */
export async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
