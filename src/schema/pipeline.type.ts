import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { type RunStatus as Status } from '../datasources/catalog/runs.js';
import { JSONScalar } from './scalars.js';

export const RunStatus = {
  QUEUED: 'QUEUED',
  RUNNING: 'RUNNING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const satisfies Record<Status, Status>;
registerEnumType(RunStatus, {
  name: 'RunStatus',
  description: 'Where a pipeline run (or one of its steps) is.',
});

@ObjectType({ simpleResolvers: true, description: 'One step of a run, with its timing and what it wrote.' })
export class RunStep {
  @Field(() => String)
  name!: string;

  @Field(() => RunStatus)
  status!: Status;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => Float, { nullable: true, description: 'Milliseconds from start to finish.' })
  durationMs!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Records written: points, rows, nodes and relationships.',
  })
  count!: number | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Why a run failed or was cancelled.' })
export class RunError {
  @Field(() => String, {
    description: 'An error code of the API (e.g. BAD_USER_INPUT, SOURCE_UNAVAILABLE) or CANCELLED.',
  })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true })
  step!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A pipeline applied to one version of one object.' })
export class PipelineRun {
  @Field(() => ID, {
    description: 'The same for every attempt: retries and repeated triggers land on this run.',
  })
  runId!: string;

  @Field(() => String)
  project!: string;

  @Field(() => Int)
  objectId!: number;

  @Field(() => String, { description: 'SHA-256 of the object version the run processes.' })
  objectVersion!: string;

  @Field(() => String)
  pipeline!: string;

  @Field(() => RunStatus)
  status!: Status;

  @Field(() => Int, { description: '1 for the first execution; retries and recoveries count up.' })
  attempt!: number;

  @Field(() => [RunStep])
  steps!: RunStep[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt!: Date | null;

  @Field(() => RunError, { nullable: true })
  error!: RunError | null;

  @Field(() => Boolean)
  cancelRequested!: boolean;
}

@ObjectType('Pipeline', { simpleResolvers: true, description: 'A pipeline of the definitions file.' })
export class PipelineDefinitionType {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [PipelineStepDefinition])
  steps!: PipelineStepDefinition[];
}

@ObjectType('PipelineStep', { simpleResolvers: true, description: 'A step of a pipeline and its options.' })
export class PipelineStepDefinition {
  @Field(() => String)
  step!: string;

  @Field(() => JSONScalar)
  options!: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'The outcome of triggerPipeline.' })
export class TriggerResult {
  @Field(() => PipelineRun)
  run!: PipelineRun;

  @Field(() => Boolean, {
    description:
      'True when this object version already had this run (queued, running or succeeded): nothing new was queued.',
  })
  replayed!: boolean;
}
