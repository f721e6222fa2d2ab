/**
 * The dataset shapes the Board reads (FR-DATA), named from the API's generated types
 * (@qatron/api-types) rather than copied.
 */
import type { ResponseBody } from '@qatron/api-types';

/** A dataset with every version, newest first. */
export type DatasetDetail = ResponseBody<'get_datasets_id'>;
/** One immutable version with its validation status and its last validation's report per expectation. */
export type DatasetVersion = DatasetDetail['versions'][number];
/** A version's validation status: pending, passed or failed. */
export type ValidationStatus = DatasetVersion['validation_status'];
