import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type IngestionEventType as EventType } from '../datasources/catalog/catalog.js';
import { SafeInt } from './scalars.js';

export const IngestionEventType = {
  STARTED: 'STARTED',
  BYTES_RECEIVED: 'BYTES_RECEIVED',
  STORED: 'STORED',
  VERIFIED: 'VERIFIED',
  CATALOGED: 'CATALOGED',
  PIPELINE_QUEUED: 'PIPELINE_QUEUED',
  FAILED: 'FAILED',
} as const satisfies Record<EventType, EventType>;
registerEnumType(IngestionEventType, {
  name: 'IngestionEventType',
  valuesConfig: {
    STARTED: { description: 'The intent is written; message is the file name.' },
    BYTES_RECEIVED: { description: 'Progress, at most every PROGRESS_INTERVAL_MS per upload.' },
    STORED: { description: 'All bytes are in the raw zone.' },
    VERIFIED: { description: 'Size and SHA-256 match what was sent or declared.' },
    CATALOGED: { description: 'The entry is STORED: the object is listed and downloadable.' },
    PIPELINE_QUEUED: { description: 'A processing pipeline was queued for the object.' },
    FAILED: { description: 'The upload failed; code says why, nothing is kept.' },
  },
});

@ObjectType({ description: 'A step of an upload, numbered per project.' })
export class IngestionEvent {
  @Field(() => String)
  project!: string;

  @Field(() => Int, { description: 'Increases per project: pass the last one seen as `after` to resume.' })
  sequence!: number;

  @Field(() => IngestionEventType)
  type!: EventType;

  @Field(() => ID)
  uploadId!: string;

  @Field(() => Int)
  objectId!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => SafeInt, { nullable: true })
  bytes!: number | null;

  @Field(() => SafeInt, { nullable: true })
  totalBytes!: number | null;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => String, { nullable: true, description: 'For FAILED: the error code.' })
  code!: string | null;
}
