import { Field, ObjectType } from 'type-graphql';
import { PageInfo } from './data-object.type.js';
import { Lineage } from './lineage.type.js';
import { JSONScalar, SafeInt } from './scalars.js';

@ObjectType({ simpleResolvers: true, description: 'A column of a gold table.' })
export class TableColumn {
  @Field(() => String)
  name!: string;

  @Field(() => String, {
    description: 'Its CQL type: text, int, bigint, double, boolean, timestamp, date, uuid or decimal.',
  })
  type!: string;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A page of rows of one partition of a gold table, in clustering order.',
})
export class TableRowConnection {
  @Field(() => [TableColumn], {
    description: 'Partition key, clustering key, then the other columns by name.',
  })
  columns!: TableColumn[];

  @Field(() => [JSONScalar], {
    description:
      'Each row as an object of column: value. Lineage is in the row: `object_id` and `run_id` name the object and the pipeline run that wrote it. int and double are numbers; bigint and decimal strings (exact); timestamp ISO 8601; date YYYY-MM-DD; null for an empty cell (an empty string in a text column).',
  })
  rows!: Record<string, unknown>[];

  @Field(() => PageInfo, {
    description:
      'endCursor is the paging state of the store: opaque, for `after`. A page that ends exactly at the last row may still say hasNextPage; the next page is then empty.',
  })
  pageInfo!: PageInfo;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A gold table an object fed, with the rows it wrote there.',
})
export class DerivedTable {
  @Field(() => String)
  name!: string;

  @Field(() => SafeInt, {
    description:
      'Rows the latest run of the object wrote to the table (every CSV row counts, even two that share a primary key).',
  })
  rowCount!: number;

  @Field(() => Lineage)
  source!: Lineage;
}
