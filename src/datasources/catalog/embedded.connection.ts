import { access, constants, mkdir } from 'node:fs/promises';
import { guard } from '../guard.js';
import { type StoreConnection } from '../types.js';
import { EmbeddedCatalog } from './embedded.catalog.js';

/** The embedded catalog as a source: a journal file under DATA_DIR. */
export class EmbeddedConnection implements StoreConnection {
  readonly name = 'catalog';
  readonly kind = 'EMBEDDED' as const;
  readonly endpoint: string;
  readonly catalog: EmbeddedCatalog;

  constructor(
    private readonly dir: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = `file://${dir}`;
    this.catalog = new EmbeddedCatalog(dir);
  }

  async ping(): Promise<void> {
    await guard(this.name, this.timeoutMs, async () => {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
    });
  }

  close(): Promise<void> {
    return this.catalog.close();
  }
}
