import { z } from 'zod';

/**
 * A database id in a path: a positive integer within PostgreSQL's `integer`, so that an id too
 * large for the column is a 422 naming the parameter rather than a database error.
 */
export const DbId = z.coerce.number().int().positive('must be a positive integer').max(2_147_483_647, 'must be a positive integer');

/** `/…/:id` paths. */
export const IdParams = z.object({ id: DbId });
