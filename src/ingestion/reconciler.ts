import { type CatalogEntry, DuplicateKeyError, type ProjectRecord } from '../datasources/catalog/catalog.js';
import { type ObjectInfo } from '../datasources/rawstore/raw-store.js';
import { type Logger } from '../logger.js';
import { type IdempotencyKeys } from './idempotency.js';
import { type ObjectLifecycle } from './lifecycle.js';

export interface ReconcileReport {
  finished: number;
  rolledBack: number;
  /** Entries stored by a process that died before it told the feed or triggered their pipeline. */
  announced: number;
  quarantined: number;
}

const PAGE = 100;

/**
 * Makes the catalog and the raw zone agree after crashes and abandoned uploads:
 * - an intent whose time is up is finished when its object is complete (and matches what was declared),
 *   otherwise rolled back: parts and partial bytes removed, the entry FAILED;
 * - a STORED entry still unannounced when its time is up gets its CATALOGED event and its pipeline;
 * - an object no entry points at gets a QUARANTINED entry, so nothing sits in the lake unlisted.
 * Safe to run in several gateways at once: every change is conditional on the entry's status or key.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ReconcileReport> | undefined;

  constructor(
    private readonly lifecycle: ObjectLifecycle,
    private readonly keys: IdempotencyKeys,
    /** Objects younger than this are left alone by the orphan scan (their intent may be on its way). */
    private readonly settleMs: number,
    private readonly logger: Logger,
  ) {}

  start(intervalMs: number): void {
    const tick = () =>
      this.run().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'reconcile pass failed; next pass retries'),
      );
    void tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  /** One pass; a pass already running is joined rather than doubled. */
  run(): Promise<ReconcileReport> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { finished: 0, rolledBack: 0, announced: 0, quarantined: 0 };
    const { catalog } = this.lifecycle;
    for (;;) {
      const intents = await catalog.expiredIntents(new Date(), PAGE);
      for (const intent of intents) {
        if (await this.settle(intent)) report.finished++;
        else report.rolledBack++;
      }
      if (intents.length < PAGE) break;
    }
    // One page a pass: an entry that cannot be announced now stays for the next pass.
    for (const entry of await catalog.unannouncedEntries(new Date(), PAGE)) {
      const [project] = await catalog.projects([entry.project]);
      if (await this.lifecycle.announce(project!, entry, true)) report.announced++;
    }
    for (const project of await catalog.listProjects()) {
      report.quarantined += await this.quarantineOrphans(project);
    }
    if (Object.values(report).some((n) => n > 0)) this.logger.info(report, 'reconciled');
    return report;
  }

  /** True when the intent's object was complete and is now cataloged. */
  private async settle(intent: CatalogEntry): Promise<boolean> {
    const { raw, catalog } = this.lifecycle;
    const stored = await raw.stat(intent.project, intent.key);
    const declared = intent.upload.declaredSize;
    if (stored && (declared === null || stored.size === declared)) {
      const { sha256, bytes } = await this.lifecycle.hashStored(intent);
      if (intent.upload.declaredSha256 === null || intent.upload.declaredSha256 === sha256) {
        const [project] = await catalog.projects([intent.project]);
        try {
          await this.lifecycle.finish(
            project!,
            intent,
            { size: bytes, sha256, startedAt: intent.createdAt.getTime(), operation: 'reconcile' },
            true,
          );
          if (intent.idempotencyKey)
            await this.keys.succeed(intent.project, intent.idempotencyKey, `sha256:${sha256}`);
          return true;
        } catch (error) {
          await this.lifecycle.abandon(intent, error, 'reconcile');
          return false;
        }
      }
    }
    await this.lifecycle.abandon(
      intent,
      new Error('the upload did not finish before its intent expired'),
      'reconcile',
    );
    if (intent.idempotencyKey) await this.keys.release(intent.project, intent.idempotencyKey).catch(() => {});
    return false;
  }

  private async quarantineOrphans(project: ProjectRecord): Promise<number> {
    let quarantined = 0;
    let batch: ObjectInfo[] = [];
    const settledBefore = Date.now() - this.settleMs;
    const flush = async () => {
      const known = await this.lifecycle.catalog.keysWithEntries(
        project.name,
        batch.map((o) => o.key),
      );
      for (const object of batch.filter(
        (o) => !known.has(o.key) && o.lastModified.getTime() < settledBefore,
      )) {
        if (await this.quarantine(project, object)) quarantined++;
      }
      batch = [];
    };
    for await (const object of this.lifecycle.raw.list(project.name)) {
      batch.push(object);
      if (batch.length === PAGE) await flush();
    }
    if (batch.length > 0) await flush();
    return quarantined;
  }

  private async quarantine(project: ProjectRecord, object: ObjectInfo): Promise<boolean> {
    const { catalog } = this.lifecycle;
    const now = new Date();
    for (let attempt = 0; attempt < 20; attempt++) {
      const objectId = await this.lifecycle.nextObjectId(project.name);
      try {
        await catalog.insertEntry({
          project: project.name,
          objectId,
          key: object.key,
          uploadId: `reconcile:${project.name}:${object.key}`,
          owner: 'unknown',
          contentType: 'application/octet-stream',
          originalName: object.key,
          application: null,
          size: object.size,
          sha256: null,
          createdAt: now,
          lastModified: now,
          status: 'QUARANTINED',
          successfulOperations: [],
          failedOperations: [
            {
              at: now,
              operation: 'reconcile',
              runId: null,
              message: 'object found in the raw zone without a catalog entry',
            },
          ],
          otherData: null,
          metrics: null,
          duplicateOf: null,
          idempotencyKey: null,
          expiresAt: null,
          upload: {
            method: 'STREAM',
            declaredSize: null,
            declaredSha256: null,
            multipartId: null,
            partSize: null,
          },
        });
        this.logger.warn(
          { project: project.name, key: object.key, objectId },
          'quarantined an object without entry',
        );
        return true;
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        // the key got an entry meanwhile (another gateway), or the id was taken: look again
        const known = await catalog.keysWithEntries(project.name, [object.key]);
        if (known.has(object.key)) return false;
      }
    }
    return false;
  }
}
