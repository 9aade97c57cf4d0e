import { type TableStore } from '../../datasources/cassandra/table.store.js';
import { BadInputError } from '../../errors/errors.js';
import { MemoryBudget } from '../memory-budget.js';
import { type Step, type StepContext, type StepResult } from '../step.js';
import { csvRecords, heldCsvRecords } from './csv-records.js';
import { parseTemplate, planTable, type TablePlan, type TableTemplate } from './csv-table.js';

type Lineage = { objectId: number; runId: string };

/**
 * A CSV object as rows of a Cassandra table in the project's keyspace (see `otherData.table` in csv-table.ts).
 *
 * No half-written data: every row is parsed and converted, and nothing written, not even the table, before
 * the first row is written. An object the memory budget holds is read and parsed once, its converted rows
 * kept between the check and the writing; a larger one is streamed twice, to check then to write. Writes are
 * upserts on the primary key (header tables: object_id, row_number), so a rerun of the object rewrites the
 * same rows. A run cancelled while writing leaves the rows written so far, which its next attempt overwrites.
 */
export class CsvToCassandraStep implements Step {
  readonly name = 'csv-to-cassandra';

  constructor(
    private readonly store: TableStore,
    private readonly batchSize = 5000,
    private readonly memory = new MemoryBudget(),
  ) {}

  async run(context: StepContext): Promise<StepResult> {
    const { project, entry, runId } = context;
    const template = parseTemplate(entry.otherData, entry.originalName);
    const lineage = { objectId: entry.objectId, runId };
    const read = await this.memory.read(await context.open(), entry.size);
    if ('stream' in read) {
      const checked = await this.eachBatch(
        context,
        template,
        csvRecords(read.stream),
        (_plan, _batch, done) => context.progress(`checked ${done} rows`),
      );
      await this.store.ensureTable(project, checked.plan.definition);
      const written = await this.write(context, checked, lineage, (write) =>
        context.open().then((source) => this.eachBatch(context, template, csvRecords(source), write)),
      );
      if (written !== checked.rows) {
        throw new Error(`the object changed between two reads (${checked.rows} rows, then ${written})`);
      }
      return this.finish(context, checked.plan, written);
    }
    try {
      const batches: { batch: unknown[][]; done: number }[] = [];
      const checked = await this.eachBatch(
        context,
        template,
        heldCsvRecords(read.bytes),
        (_plan, batch, done) => {
          batches.push({ batch, done });
          context.progress(`checked ${done} rows`);
        },
      );
      await this.store.ensureTable(project, checked.plan.definition);
      const written = await this.write(context, checked, lineage, async (write) => {
        // taken off the list, so that each batch is let go once it is written
        for (let next = batches.shift(); next; next = batches.shift()) {
          await write(checked.plan, next.batch, next.done);
        }
      });
      return await this.finish(context, checked.plan, written);
    } finally {
      read.release();
    }
  }

  private async finish(context: StepContext, plan: TablePlan, rows: number): Promise<StepResult> {
    const { project, entry, runId } = context;
    const table = plan.definition.name;
    await this.store.recordDerived(project, { objectId: entry.objectId, table, runId, rowCount: rows });
    return { count: rows, message: `${rows} rows in table ${table}` };
  }

  /**
   * Writes the batches `produce` hands over, one write in flight while the next batch is read; before each
   * write the last one is over and the run not cancelled. Resolves to the rows written.
   */
  private async write(
    context: StepContext,
    checked: { plan: TablePlan; rows: number },
    lineage: Lineage,
    produce: (
      write: (plan: TablePlan, batch: unknown[][], done: number) => Promise<void>,
    ) => Promise<unknown>,
  ): Promise<number> {
    const { project } = context;
    const { definition, columns } = checked.plan;
    let written = 0;
    let pending = Promise.resolve();
    try {
      await produce(async (_plan, batch, done) => {
        if (batch.length === 0) return;
        await pending;
        context.signal.throwIfAborted();
        pending = this.store.writeRows(project, definition, lineage, columns, batch).then(() => {
          written = done;
          context.progress(`wrote ${done} of ${checked.rows} rows to ${definition.name}`, done);
        });
        // awaited before the next batch or at the end; a failure must not go unhandled meanwhile
        pending.catch(() => {});
      });
      await pending;
    } finally {
      await pending.catch(() => {});
    }
    return written;
  }

  /** Converts every record, handing `onBatch` the rows `batchSize` at a time (an empty batch for no rows). */
  private async eachBatch(
    context: StepContext,
    template: TableTemplate,
    records: string[][] | AsyncIterable<string[]>,
    onBatch: (plan: TablePlan, batch: unknown[][], done: number) => unknown,
  ): Promise<{ plan: TablePlan; rows: number }> {
    let plan: TablePlan | null = null;
    let batch: unknown[][] = [];
    let done = 0;
    const flush = async (p: TablePlan) => {
      context.signal.throwIfAborted();
      done += batch.length;
      const full = batch;
      batch = [];
      await onBatch(p, full, done);
    };
    /** Takes one record; true when a batch is full. */
    const take = (fields: string[]): boolean => {
      if (!plan) {
        plan = planTable(template, fields);
        return false;
      }
      batch.push(plan.toRow(fields, done + batch.length + 1));
      return batch.length === this.batchSize;
    };
    if (Array.isArray(records)) {
      for (const fields of records) if (take(fields)) await flush(plan!);
    } else {
      for await (const fields of records) if (take(fields)) await flush(plan!);
    }
    if (!plan) throw new BadInputError('the object has no CSV header line', { argument: 'header' });
    if (batch.length > 0 || done === 0) await flush(plan);
    return { plan, rows: done };
  }
}
