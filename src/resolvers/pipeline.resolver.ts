import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { type RunRecord } from '../datasources/catalog/runs.js';
import { type TriggerOutcome } from '../pipelines/runs.js';
import { DataObject } from '../schema/data-object.type.js';
import { DerivedData, Lineage } from '../schema/lineage.type.js';
import { PipelineDefinitionType, PipelineRun, RunStep, TriggerResult } from '../schema/pipeline.type.js';

@Resolver(() => PipelineRun)
export class PipelineRunResolver {
  @Query(() => PipelineRun, { nullable: true })
  run(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord | null> {
    return ctx.loaders.run.load(runId);
  }

  @Query(() => [PipelineDefinitionType], { description: 'The pipelines of the definitions file, by name.' })
  pipelines(@Ctx() ctx: Context): PipelineDefinitionType[] {
    return Object.entries(ctx.services.pipelines.definitions.pipelines)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => ({ name, description: p.description ?? null, steps: p.steps }));
  }

  @Mutation(() => TriggerResult, {
    description:
      'Runs a pipeline on a stored object: the one named, or the one its dataProcessing and the rules choose. Triggering the same pipeline on the same object version again returns its run.',
  })
  async triggerPipeline(
    @Arg('project', () => String) project: string,
    @Arg('objectId', () => Int) objectId: number,
    @Arg('pipeline', () => String, { nullable: true }) pipeline: string | null,
    @Ctx() ctx: Context,
  ): Promise<TriggerOutcome> {
    return ctx.services.pipelines.trigger(project, objectId, pipeline);
  }

  @Mutation(() => PipelineRun, {
    description: 'Queues a FAILED or CANCELLED run again, as its next attempt.',
  })
  retryRun(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord> {
    return ctx.services.pipelines.retry(runId);
  }

  @Mutation(() => PipelineRun, {
    description: 'Cancels a queued run at once, a running one between batches of its current step.',
  })
  cancelRun(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord> {
    return ctx.services.pipelines.cancel(runId);
  }

  @FieldResolver(() => [RunStep])
  steps(@Root() run: RunRecord): RunStep[] {
    return run.steps.map((s) => ({
      ...s,
      durationMs: s.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : null,
    }));
  }

  @FieldResolver(() => DataObject, { nullable: true, description: 'The object the run processes.' })
  object(@Root() run: RunRecord, @Ctx() ctx: Context): Promise<CatalogEntry | null> {
    return ctx.loaders.entry.load({ project: run.project, objectId: run.objectId });
  }
}

@Resolver(() => DataObject)
export class DataObjectPipelineResolver {
  @FieldResolver(() => String, {
    description: 'Which pipeline processes the object: "default" (by the rules) or a pipeline name.',
  })
  dataProcessing(@Root() entry: CatalogEntry): string {
    return entry.dataProcessing ?? 'default';
  }

  @FieldResolver(() => [PipelineRun], { description: 'Pipeline runs on this object, newest first.' })
  runs(@Root() entry: CatalogEntry, @Ctx() ctx: Context): Promise<RunRecord[]> {
    return ctx.loaders.runsOfEntry.load({ project: entry.project, objectId: entry.objectId });
  }

  @FieldResolver(() => DerivedData, { description: 'Gold data its pipeline runs made from this object.' })
  derived(@Root() entry: CatalogEntry): DerivedData {
    return { project: entry.project, objectId: entry.objectId };
  }
}

@Resolver(() => Lineage)
export class LineageResolver {
  @FieldResolver(() => DataObject, { nullable: true, description: 'The raw object.' })
  object(@Root() lineage: Lineage, @Ctx() ctx: Context): Promise<CatalogEntry | null> {
    return ctx.loaders.entry.load({ project: lineage.project, objectId: lineage.objectId });
  }

  @FieldResolver(() => PipelineRun, { nullable: true, description: 'The run that wrote the record.' })
  run(@Root() lineage: Lineage, @Ctx() ctx: Context): Promise<RunRecord | null> {
    return ctx.loaders.run.load(lineage.runId);
  }
}
