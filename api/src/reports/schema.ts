import { z } from 'zod';

/** `?token=`: the report token of `report_url`; absent when a bearer token or the report cookie authenticates. */
export const ReportQuery = z.object({
  token: z.string().max(2048).optional().describe('The report token that `report_url` carries (short-lived, for this run only)'),
});
