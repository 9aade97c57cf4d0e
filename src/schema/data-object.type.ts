import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type EntryStatus } from '../datasources/catalog/catalog.js';
import { JSONScalar, SafeInt } from './scalars.js';

export const ObjectStatus = {
  PENDING: 'PENDING',
  STORED: 'STORED',
  FAILED: 'FAILED',
  QUARANTINED: 'QUARANTINED',
} as const satisfies Record<EntryStatus, EntryStatus>;
registerEnumType(ObjectStatus, {
  name: 'ObjectStatus',
  valuesConfig: {
    PENDING: { description: 'Being uploaded: the catalog entry exists, the object is not verified yet.' },
    STORED: { description: 'The object is in the raw zone and matches its entry.' },
    FAILED: { description: 'The upload failed or was aborted; no object is kept (see failedOperations).' },
    QUARANTINED: {
      description: 'An object found in the raw zone without an entry; kept for an operator to decide.',
    },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'One step applied to an object: upload, reconcile, or a pipeline step.',
})
export class Operation {
  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  operation!: string;

  @Field(() => String, { nullable: true, description: 'The upload or pipeline run that did it.' })
  runId!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'How the bytes came in.' })
export class IngestionMetrics {
  @Field(() => SafeInt)
  bytes!: number;

  @Field(() => Float, { description: 'From the intent to the stored entry.' })
  durationMs!: number;

  @Field(() => SafeInt)
  bytesPerSecond!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The first bytes of an object.' })
export class ObjectPreview {
  @Field(() => Int)
  bytes!: number;

  @Field(() => String)
  base64!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The bytes as UTF-8 text; null when they are not text.',
  })
  text!: string | null;

  @Field(() => Boolean, { description: 'True when the object is longer than the preview.' })
  truncated!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A file of the raw zone and its catalog entry.' })
export class DataObject {
  @Field(() => Int, { description: 'Numeric id, unique within the project.' })
  objectId!: number;

  @Field(() => String)
  project!: string;

  @Field(() => ID, { description: 'The upload that made this object: the key of its events.' })
  uploadId!: string;

  @Field(() => String)
  owner!: string;

  @Field(() => String)
  contentType!: string;

  @Field(() => String, {
    description: "The client's file name: metadata only, never part of the storage key.",
  })
  originalName!: string;

  @Field(() => String, { nullable: true })
  application!: string | null;

  @Field(() => SafeInt, { nullable: true, description: 'Bytes; null until stored.' })
  size!: number | null;

  @Field(() => String, { nullable: true, description: 'Hex SHA-256 of the content; null until stored.' })
  sha256!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  lastModified!: Date;

  @Field(() => ObjectStatus)
  status!: EntryStatus;

  @Field(() => [Operation])
  successfulOperations!: Operation[];

  @Field(() => [Operation])
  failedOperations!: Operation[];

  @Field(() => JSONScalar, {
    nullable: true,
    description: 'Free JSON: templates and annotations that drive pipelines.',
  })
  otherData!: Record<string, unknown> | null;

  @Field(() => IngestionMetrics, { nullable: true })
  metrics!: IngestionMetrics | null;
}

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class DataObjectEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => DataObject)
  node!: DataObject;
}

@ObjectType({ simpleResolvers: true, description: 'A page of objects, newest first.' })
export class DataObjectConnection {
  @Field(() => [DataObjectEdge])
  edges!: DataObjectEdge[];

  @Field(() => [DataObject])
  nodes!: DataObject[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@InputType({
  description:
    'otherData at `path` (dot-separated names) equals `value` (a string, number, boolean or null).',
})
export class DataPathEquals {
  @Field(() => String)
  path!: string;

  @Field(() => JSONScalar, { nullable: true })
  value!: unknown;
}

@InputType({ description: 'Every given condition must hold.' })
export class ObjectFilter {
  @Field(() => String, { nullable: true })
  contentType?: string;

  @Field(() => String, { nullable: true })
  owner?: string;

  @Field(() => ObjectStatus, { nullable: true })
  status?: EntryStatus;

  @Field(() => Date, { nullable: true, description: 'Created at or after.' })
  createdFrom?: Date;

  @Field(() => Date, { nullable: true, description: 'Created before.' })
  createdTo?: Date;

  @Field(() => [DataPathEquals], { nullable: true })
  otherData?: DataPathEquals[];
}
