import { type TableStore } from '../../datasources/cassandra/table.store.js';
import { BadInputError } from '../../errors/errors.js';
import { type Step, type StepContext, type StepResult } from '../step.js';
import { csvRecords } from './csv-records.js';
import { parseTemplate, planTable, type TablePlan, type TableTemplate } from './csv-table.js';

/**
 * A CSV object as rows of a Cassandra table in the project's keyspace (see `otherData.table` in csv-table.ts).
 *
 * No half-written data: the object is read twice, streamed both times. The first pass parses and converts
 * every row and writes nothing, not even the table; only a file that passes it whole is read again and
 * written. Writes are upserts on the primary key (header tables: object_id, row_number), so a rerun of the
 * object rewrites the same rows. A run cancelled during the second pass leaves the rows written so far, which
 * its next attempt overwrites.
 */
export class CsvToCassandraStep implements Step {
  readonly name = 'csv-to-cassandra';

  constructor(
    private readonly store: TableStore,
    private readonly batchSize = 5000,
  ) {}

  async run(context: StepContext): Promise<StepResult> {
    const { project, entry, runId } = context;
    const template = parseTemplate(entry.otherData, entry.originalName);

    const checked = await this.eachBatch(context, template, async (_plan, _batch, done) => {
      context.progress(`checked ${done} rows`);
    });
    const table = checked.plan.definition.name;
    await this.store.ensureTable(project, checked.plan.definition);
    const { rows } = await this.eachBatch(context, template, async (plan, batch, done) => {
      await this.store.writeRows(project, table, { objectId: entry.objectId, runId }, plan.columns, batch);
      context.progress(`wrote ${done} of ${checked.rows} rows to ${table}`, done);
    });
    if (rows !== checked.rows) {
      throw new Error(`the object changed between two reads (${checked.rows} rows, then ${rows})`);
    }
    await this.store.recordDerived(project, { objectId: entry.objectId, table, runId, rowCount: rows });
    return { count: rows, message: `${rows} rows in table ${table}` };
  }

  /** Reads the object once, converting every row, and hands `onBatch` the rows `batchSize` at a time. */
  private async eachBatch(
    context: StepContext,
    template: TableTemplate,
    onBatch: (plan: TablePlan, batch: unknown[][], done: number) => Promise<void>,
  ): Promise<{ plan: TablePlan; rows: number }> {
    let plan: TablePlan | null = null;
    let batch: unknown[][] = [];
    let done = 0;
    const flush = async (p: TablePlan) => {
      context.signal.throwIfAborted();
      done += batch.length;
      await onBatch(p, batch, done);
      batch = [];
    };
    for await (const { fields } of csvRecords(() => context.open())) {
      if (!plan) {
        plan = planTable(template, fields);
        continue;
      }
      batch.push(plan.toRow(fields, done + batch.length + 1));
      if (batch.length === this.batchSize) await flush(plan);
    }
    if (!plan) throw new BadInputError('the object has no CSV header line', { argument: 'header' });
    if (batch.length > 0 || done === 0) await flush(plan);
    return { plan, rows: done };
  }
}
