import { access, constants, mkdir } from 'node:fs/promises';
import { guard } from '../guard.js';
import { type StoreConnection } from '../types.js';

/** The embedded raw zone: a folder on the gateway's disk. */
export class FsConnection implements StoreConnection {
  readonly name = 'raw';
  readonly kind = 'FILESYSTEM' as const;
  readonly endpoint: string;

  constructor(
    readonly root: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = `file://${root}`;
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, async () => {
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
    });
  }

  async close(): Promise<void> {}
}
