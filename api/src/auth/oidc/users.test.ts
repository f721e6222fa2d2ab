import { describe, expect, it } from 'vitest';
import { groupsOf, roleOfGroups } from './users.js';

describe('roleOfGroups', () => {
  const mapping = { qa: 'user', 'qa-leads': 'admin', auditors: 'viewer' } as const;
  it('gives the highest role of the mapped groups, whatever their order', () => {
    expect(roleOfGroups(['qa-leads', 'qa'], mapping, 'viewer')).toBe('admin');
    expect(roleOfGroups(['auditors', 'qa'], mapping, 'viewer')).toBe('user');
  });
  it('gives the default role to a user in no mapped group', () => {
    expect(roleOfGroups(['sales'], mapping, 'user')).toBe('user');
    expect(roleOfGroups([], {}, 'viewer')).toBe('viewer');
  });
});

describe('groupsOf', () => {
  it('reads the groups claim as a list, a single string as one group, anything else as none', () => {
    expect(groupsOf({ groups: ['a', 'b', 3] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ roles: 'a' }, 'roles')).toEqual(['a']);
    expect(groupsOf({ groups: { a: true } }, 'groups')).toEqual([]);
  });
});
