import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { hasRole } from '../auth/principal.js';
import { requirePrincipal } from '../auth/authorize.js';
import { type Context } from '../context/context.js';
import { type ProjectRecord } from '../datasources/catalog/catalog.js';
import { Project, TenantProfileInput } from '../schema/project.type.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Authorized()
  @Query(() => [Project], { description: 'The projects the caller holds a role in, by name.' })
  async projects(@Ctx() ctx: Context): Promise<ProjectRecord[]> {
    const principal = requirePrincipal(ctx);
    const all = await ctx.services.catalog.listProjects();
    return all.filter((p) => hasRole(principal, p.name, 'viewer'));
  }

  @Authorized('viewer')
  @Query(() => Project, { nullable: true })
  project(@Arg('name', () => String) name: string, @Ctx() ctx: Context): Promise<ProjectRecord | null> {
    return ctx.loaders.project.load(name);
  }

  @Authorized('platformAdmin')
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

  @Authorized('admin')
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
