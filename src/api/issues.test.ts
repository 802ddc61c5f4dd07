import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as z from 'zod';
import { formatIssues, issueLines } from './issues.ts';

describe('formatIssues', () => {
  const schema = z.object({ size: z.number().min(1), records: z.array(z.string()) });
  const issues = schema.safeParse({ size: 0, records: ['a', 2] }).error!.issues;

  it('names each field by its path under the root', () => {
    assert.deepEqual(issueLines(issues, 'spec').map((l) => l.split(':')[0]), ['spec.size', 'spec.records.1']);
    assert.match(formatIssues(issues, 'settings'), /^settings\.size: .+; settings\.records\.1: .+$/);
  });

  it('names the path alone without a root, and the root alone for the whole value', () => {
    assert.deepEqual(issueLines(issues).map((l) => l.split(':')[0]), ['size', 'records.1']);
    const whole = schema.safeParse('not an object').error!.issues;
    assert.match(formatIssues(whole, 'spec'), /^spec: [^.]/);
    assert.equal(formatIssues([{ path: [], message: 'bad' }]), 'bad');
  });
});
