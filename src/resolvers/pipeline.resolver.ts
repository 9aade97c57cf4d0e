import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ForbiddenError, requirePrincipal } from '../auth/authorize.js';
import { hasRole, type Role } from '../auth/principal.js';
import { type Context } from '../context/context.js';
import { type CatalogEntry } from '../datasources/catalog/catalog.js';
import { type RunRecord } from '../datasources/catalog/runs.js';
import { type TriggerOutcome } from '../pipelines/runs.js';
import { DataObject } from '../schema/data-object.type.js';
import { DerivedData, Lineage } from '../schema/lineage.type.js';
import { PipelineDefinitionType, PipelineRun, RunStep, TriggerResult } from '../schema/pipeline.type.js';

/**
 * A run id names its project only once the run is read: the role is checked on that project. Run ids
 * derive from project, object and content, so they can be guessed: a missing run is refused like another
 * project's (platform admins aside), and the refusal names no project.
 */
async function readRun(ctx: Context, runId: string, role: Role): Promise<RunRecord | null> {
  const principal = requirePrincipal(ctx);
  const run = await ctx.loaders.run.load(runId);
  if (!(run ? hasRole(principal, run.project, role) : principal.platformAdmin)) {
    throw new ForbiddenError(`${role} role needed in the project of run ${runId}`);
  }
  return run;
}

@Resolver(() => PipelineRun)
export class PipelineRunResolver {
  @Authorized()
  @Query(() => PipelineRun, { nullable: true })
  async run(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord | null> {
    return readRun(ctx, runId, 'viewer');
  }

  @Authorized()
  @Query(() => [PipelineDefinitionType], { description: 'The pipelines of the definitions file, by name.' })
  pipelines(@Ctx() ctx: Context): PipelineDefinitionType[] {
    return Object.entries(ctx.services.pipelines.definitions.pipelines)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, p]) => ({ name, description: p.description ?? null, steps: p.steps }));
  }

  @Authorized('editor')
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

  @Authorized()
  @Mutation(() => PipelineRun, {
    description: 'Queues a FAILED or CANCELLED run again, as its next attempt.',
  })
  async retryRun(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord> {
    await readRun(ctx, runId, 'editor');
    return ctx.services.pipelines.retry(runId);
  }

  @Authorized()
  @Mutation(() => PipelineRun, {
    description: 'Cancels a queued run at once, a running one between batches of its current step.',
  })
  async cancelRun(@Arg('runId', () => ID) runId: string, @Ctx() ctx: Context): Promise<RunRecord> {
    await readRun(ctx, runId, 'editor');
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
  async run(@Root() lineage: Lineage, @Ctx() ctx: Context): Promise<RunRecord | null> {
    // Through the object's runs, which a page asking for `runs` has loaded already: no round trip of its own.
    const runs = await ctx.loaders.runsOfEntry.load({ project: lineage.project, objectId: lineage.objectId });
    return runs.find((r) => r.runId === lineage.runId) ?? ctx.loaders.run.load(lineage.runId);
  }
}
