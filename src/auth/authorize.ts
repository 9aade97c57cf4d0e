import { type AuthChecker } from 'type-graphql';
import { type Context } from '../context/context.js';
import { ErrorCode } from '../errors/codes.js';
import { LakegateError } from '../errors/errors.js';
import { hasRole, type Principal, type Role, ROLES } from './principal.js';

export class UnauthenticatedError extends LakegateError {
  constructor() {
    super(ErrorCode.UNAUTHENTICATED, 'send a bearer token: Authorization: Bearer <token>');
  }
}

/** The same answer whether or not the project exists, so a refusal tells nothing about it. */
export class ForbiddenError extends LakegateError {
  constructor(message: string) {
    super(ErrorCode.FORBIDDEN, message);
  }
}

export function requirePrincipal(ctx: Context): Principal {
  if (!ctx.principal) throw new UnauthenticatedError();
  return ctx.principal;
}

/** Throws FORBIDDEN unless the caller holds `role` (or a higher one) in `project`. */
export function requireRole(ctx: Context, project: string, role: Role): Principal {
  const principal = requirePrincipal(ctx);
  if (!hasRole(principal, project, role)) {
    throw new ForbiddenError(`${role} role needed in project ${JSON.stringify(project)}`);
  }
  return principal;
}

export function requirePlatformAdmin(ctx: Context): Principal {
  const principal = requirePrincipal(ctx);
  if (!principal.platformAdmin) throw new ForbiddenError('platform admin role needed');
  return principal;
}

/** The project a root field's arguments name: `project`, `input.project`, or a project field's `name`. */
function projectArgument(args: Record<string, unknown>): string | undefined {
  const input = args['input'] as { project?: unknown } | undefined;
  const project = args['project'] ?? input?.project ?? args['name'];
  return typeof project === 'string' ? project : undefined;
}

/**
 * type-graphql's check for `@Authorized()`: a principal is needed; `@Authorized('editor')` also needs
 * that role in the project the arguments name, and `@Authorized('platformAdmin')` a platform admin.
 */
export const authChecker: AuthChecker<Context> = ({ args, context }, roles) => {
  const [role] = roles;
  if (role === undefined) return requirePrincipal(context) !== null;
  if (role === 'platformAdmin') return requirePlatformAdmin(context) !== null;
  if (!(ROLES as readonly string[]).includes(role)) throw new Error(`unknown role ${role}`);
  const project = projectArgument(args);
  if (project === undefined) throw new Error(`@Authorized('${role}') on a field without a project argument`);
  return requireRole(context, project, role as Role) !== null;
};
