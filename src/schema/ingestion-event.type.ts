import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type IngestionEventType as EventType } from '../datasources/catalog/catalog.js';
import { SafeInt } from './scalars.js';

export const IngestionEventType = {
  STARTED: 'STARTED',
  BYTES_RECEIVED: 'BYTES_RECEIVED',
  STORED: 'STORED',
  VERIFIED: 'VERIFIED',
  CATALOGED: 'CATALOGED',
  FAILED: 'FAILED',
  PIPELINE_QUEUED: 'PIPELINE_QUEUED',
  PIPELINE_STARTED: 'PIPELINE_STARTED',
  STEP_PROGRESS: 'STEP_PROGRESS',
  STEP_SUCCEEDED: 'STEP_SUCCEEDED',
  STEP_FAILED: 'STEP_FAILED',
  PIPELINE_SUCCEEDED: 'PIPELINE_SUCCEEDED',
  PIPELINE_FAILED: 'PIPELINE_FAILED',
  PIPELINE_CANCELLED: 'PIPELINE_CANCELLED',
} as const satisfies Record<EventType, EventType>;
registerEnumType(IngestionEventType, {
  name: 'IngestionEventType',
  valuesConfig: {
    STARTED: { description: 'The intent is written; message is the file name.' },
    BYTES_RECEIVED: { description: 'Progress, at most every PROGRESS_INTERVAL_MS per upload.' },
    STORED: { description: 'All bytes are in the raw zone.' },
    VERIFIED: { description: 'Size and SHA-256 match what was sent or declared.' },
    CATALOGED: { description: 'The entry is STORED: the object is listed and downloadable.' },
    FAILED: { description: 'The upload failed; code says why, nothing is kept.' },
    PIPELINE_QUEUED: { description: 'A pipeline run was queued for the object (runId).' },
    PIPELINE_STARTED: { description: 'A runner took the run; message is the pipeline name.' },
    STEP_PROGRESS: { description: 'A step wrote a batch; bytes counts the records written so far.' },
    STEP_SUCCEEDED: { description: 'A step finished; bytes is the number of records it wrote.' },
    STEP_FAILED: { description: 'A step failed; code and message say why.' },
    PIPELINE_SUCCEEDED: { description: 'Every step of the run succeeded.' },
    PIPELINE_FAILED: { description: 'The run stopped at a failed step (see STEP_FAILED).' },
    PIPELINE_CANCELLED: { description: 'The run was cancelled.' },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'A step of an upload or of a pipeline run, numbered per project.',
})
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

  @Field(() => String, {
    nullable: true,
    description: 'For FAILED, STEP_FAILED and PIPELINE_FAILED: the error code.',
  })
  code!: string | null;

  @Field(() => ID, { nullable: true, description: 'For pipeline events: the run.' })
  runId!: string | null;

  @Field(() => String, { nullable: true, description: 'For step events: the step.' })
  step!: string | null;
}
