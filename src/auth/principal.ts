/** Who is asking, and what they may do in each project. */

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The token's `sub`. */
  subject: string;
  /** A platform admin may do anything in every project, and create projects. */
  platformAdmin: boolean;
  /** Role per project name. */
  projects: ReadonlyMap<string, Role>;
}

const rank = (role: Role) => ROLES.indexOf(role);

/** True when the principal holds `role` (or a higher one) in `project`. */
export function hasRole(principal: Principal, project: string, role: Role): boolean {
  if (principal.platformAdmin) return true;
  const held = principal.projects.get(project);
  return held !== undefined && rank(held) >= rank(role);
}
