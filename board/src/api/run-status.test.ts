import { describe, expect, it } from 'vitest';
import * as domain from '@qatron/domain/status';
import { FINAL_RUN_STATUSES, isFinalStatus, RUN_STATUSES } from './run-status';

/** The Board's copy of the run statuses (it installs without domain) cannot drift from the model. */
describe("the Board's run statuses", () => {
  it('are the status model of domain, final ones included', () => {
    expect(RUN_STATUSES).toEqual(domain.RUN_STATUSES);
    expect(FINAL_RUN_STATUSES).toEqual(domain.FINAL_RUN_STATUSES);
    for (const status of RUN_STATUSES) expect(isFinalStatus(status)).toBe(domain.isFinalStatus(status));
  });
});
