import { describe, expect, it } from 'vitest';
import { canTransition, isFinalStatus, RUN_STATUSES } from './status.js';

describe('run status model', () => {
  it('moves forward through the live states only', () => {
    expect(canTransition('queued', 'provisioning')).toBe(true);
    expect(canTransition('provisioning', 'running')).toBe(true);
    expect(canTransition('running', 'reporting')).toBe(true);
    expect(canTransition('reporting', 'completed')).toBe(true);
    expect(canTransition('queued', 'running')).toBe(false);
    expect(canTransition('running', 'queued')).toBe(false);
    expect(canTransition('queued', 'completed')).toBe(false);
  });

  it('cancels from every live state and from no final one', () => {
    for (const status of RUN_STATUSES) {
      expect(canTransition(status, 'cancelled')).toBe(!isFinalStatus(status));
    }
  });

  it('never leaves a final state', () => {
    for (const from of RUN_STATUSES.filter(isFinalStatus)) {
      for (const to of RUN_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });
});
