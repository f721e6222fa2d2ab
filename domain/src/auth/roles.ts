/** User roles (FR-AUTH-04), weakest first. */
export const ROLES = ['viewer', 'user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, user: 1, admin: 2 };

/**
 * Whether `role` includes the rights of `required`: viewer reads; user also triggers and cancels
 * runs; admin also manages projects, environments, suites, users and tokens.
 */
export function roleAtLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}
