import { z } from 'zod';
import { ROLES } from '@qatron/domain';
import { NewPassword } from '../auth/schema.js';
import { PageQuery } from '../http/pagination.js';

/** `GET /api/v1/users` filters. */
export const UserListQuery = PageQuery.extend({
  role: z.enum(ROLES).optional().describe('Only users with this role'),
});
export type UserListFilter = z.output<typeof UserListQuery>;

/** `PUT /api/v1/users/:id`: role assignment (FR-AUTH-04) and (de)activation; omitted fields stay as they are. */
export const UserUpdate = z.object({
  role: z.enum(ROLES).optional().describe('The new role; a change is audited as user.role_changed (FR-AUD-05)'),
  is_active: z.boolean().optional().describe('False signs the user out at once and refuses further logins'),
});
export type UserUpdateInput = z.output<typeof UserUpdate>;

/** `POST /api/v1/users/:id/password`: an admin sets a user's password (a user who forgot theirs). */
export const PasswordReset = z.object({
  new_password: NewPassword.describe('The temporary password to hand to the user'),
  must_change_password: z.boolean().default(true).describe('The user must choose a new password before anything else (default)'),
});
export type PasswordResetInput = z.output<typeof PasswordReset>;
