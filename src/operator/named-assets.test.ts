import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantedName } from './named-assets.ts';

const ROLE = 'arn:aws:iam::123456789012:role/team-a-replication';

describe('grantedName', () => {
  const cases = [
    { reason: 'unset grants nothing', grants: undefined, value: ROLE, want: false },
    { reason: '[] grants nothing', grants: [], value: ROLE, want: false },
    { reason: 'an exact item grants that value', grants: [ROLE], value: ROLE, want: true },
    { reason: 'an exact item grants nothing longer', grants: ['arn:aws:iam::123456789012:role/team-a'], value: ROLE, want: false },
    { reason: 'an exact item is case-sensitive', grants: [ROLE.toUpperCase()], value: ROLE, want: false },
    { reason: 'a prefix pattern grants what begins with it', grants: ['arn:aws:iam::123456789012:role/team-a-*'], value: ROLE, want: true },
    { reason: 'a prefix pattern grants nothing else', grants: ['arn:aws:iam::123456789012:role/team-b-*'], value: ROLE, want: false },
    { reason: 'another account under the same name is not granted', grants: ['arn:aws:iam::123456789012:role/team-a-*'], value: 'arn:aws:iam::210987654321:role/team-a-replication', want: false },
    { reason: 'the * never reaches past a /', grants: ['arn:aws:iam::123456789012:role/team-a-*'], value: 'arn:aws:iam::123456789012:role/team-a-x/admin', want: false },
    { reason: 'a pattern ending in / grants one segment below it', grants: ['alias/team-a/*'], value: 'alias/team-a/data', want: true },
    { reason: 'a * inside an item is no wildcard', grants: ['alias/*-a'], value: 'alias/team-a', want: false },
    { reason: '* alone grants any value', grants: ['*'], value: 'arn:aws:kms:eu-west-1:123456789012:key/abc', want: true },
    { reason: 'any item of several may grant', grants: ['sg-00000000', 'sg-0123*'], value: 'sg-0123456789abcdef0', want: true },
  ];
  for (const c of cases) it(c.reason, () => assert.equal(grantedName(c.grants, c.value), c.want));
});
