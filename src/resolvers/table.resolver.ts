import { Arg, Authorized, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type TableStore } from '../datasources/cassandra/table.store.js';
import { BadInputError, SourceNotConfiguredError } from '../errors/errors.js';
import { DerivedData } from '../schema/lineage.type.js';
import { JSONScalar } from '../schema/scalars.js';
import { DerivedTable, TableRowConnection } from '../schema/table.type.js';

const MAX_ROWS = 1000;

function tablesOf(ctx: Context): TableStore {
  if (!ctx.services.tables) throw new SourceNotConfiguredError('tables');
  return ctx.services.tables;
}

@Resolver()
export class TableResolver {
  @Authorized('viewer')
  @Query(() => TableRowConnection, {
    description:
      'Rows of one partition of a gold table, `first` at a time (at most 1000). `partitionKey` names every partition key column of the table and its value, e.g. {"object_id": 12} for a table made from a CSV header.',
  })
  async tableRows(
    @Arg('project', () => String) project: string,
    @Arg('table', () => String) table: string,
    @Arg('partitionKey', () => JSONScalar) partitionKey: Record<string, unknown>,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<TableRowConnection> {
    if (first < 1 || first > MAX_ROWS)
      throw new BadInputError(`first must be 1 to ${MAX_ROWS}`, { argument: 'first' });
    const page = await tablesOf(ctx).readRows(project, table, partitionKey, { first, after: after ?? null });
    return {
      columns: page.columns,
      rows: page.rows,
      pageInfo: { hasNextPage: page.cursor !== null, endCursor: page.cursor },
    };
  }
}

@Resolver(() => DerivedData)
export class DerivedTablesResolver {
  @FieldResolver(() => [DerivedTable], {
    nullable: true,
    description:
      'The Cassandra tables this object fed, by name. Null, with an error, when the store is down: the rest of the answer still arrives.',
  })
  async tables(@Root() derived: DerivedData, @Ctx() ctx: Context): Promise<DerivedTable[]> {
    const records = await ctx.loaders.derivedTables.load({
      project: derived.project,
      objectId: derived.objectId,
    });
    return records
      .map((r) => ({
        name: r.table,
        rowCount: r.rowCount,
        source: { project: derived.project, objectId: r.objectId, runId: r.runId },
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
