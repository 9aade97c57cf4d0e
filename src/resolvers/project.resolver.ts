import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { type Context } from '../context/context.js';
import { type ProjectRecord } from '../datasources/catalog/catalog.js';
import { Project, TenantProfileInput } from '../schema/project.type.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => [Project], { description: 'Every project, by name.' })
  projects(@Ctx() ctx: Context): Promise<ProjectRecord[]> {
    return ctx.services.catalog.listProjects();
  }

  @Query(() => Project, { nullable: true })
  project(@Arg('name', () => String) name: string, @Ctx() ctx: Context): Promise<ProjectRecord | null> {
    return ctx.loaders.project.load(name);
  }

  @Mutation(() => Project, {
    description: 'Creates a project: its bucket in the raw zone and its tenant profile.',
  })
  createProject(
    @Arg('name', () => String) name: string,
    @Arg('profile', () => TenantProfileInput, { nullable: true }) profile: TenantProfileInput | null,
    @Ctx() ctx: Context,
  ): Promise<ProjectRecord> {
    return ctx.services.projects.create(name, profile ?? {});
  }

  @Mutation(() => Project, {
    description: "Changes a project's tenant profile; omitted settings stay as they are.",
  })
  updateProject(
    @Arg('name', () => String) name: string,
    @Arg('profile', () => TenantProfileInput) profile: TenantProfileInput,
    @Ctx() ctx: Context,
  ): Promise<ProjectRecord> {
    return ctx.services.projects.update(name, profile);
  }
}
