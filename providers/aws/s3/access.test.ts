import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAdapterError, parseSpec } from '../../../sdk/index.ts';
import { checkPolicyResources, diffAccess } from './access.ts';

const spec = (s: Record<string, unknown>) => parseSpec('Bucket', { providerConfigRef: { name: 'aws' }, ...s });
const statement = { Sid: 'read', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' };
const policy = { Version: '2012-10-17', Statement: [statement] };

describe('the bucket policy', () => {
  it('is compared by meaning: key order, whitespace and one-or-many forms are no drift', () => {
    const reordered = `{ "Statement": { "Resource": ["arn:aws:s3:::b/*"], "Action": ["s3:GetObject"], "Principal": {"AWS": ["arn:aws:iam::123456789012:root"]},
      "Effect": "Allow", "Sid": "read" },\n "Version": "2012-10-17" }`;
    assert.deepEqual(diffAccess(spec({ policy: reordered }), { policy }), []);
  });

  it('differs on a changed action, and on a missing policy', () => {
    const changed = JSON.stringify({ ...policy, Statement: [{ ...statement, Action: 's3:PutObject' }] });
    assert.deepEqual(diffAccess(spec({ policy: changed }), { policy }).map((d) => d.path), ['policy']);
    assert.deepEqual(diffAccess(spec({ policy: JSON.stringify(policy) }), { policy: null }).map((d) => d.path), ['policy']);
  });

  it('an empty Statement list asks for no policy', () => {
    assert.deepEqual(diffAccess(spec({ policy: '{"Statement":[]}' }), { policy: null }), []);
    assert.deepEqual(diffAccess(spec({ policy: '{"Statement":[]}' }), { policy }).map((d) => d.path), ['policy']);
  });

  it('unset, the policy found is not read, and never drift', () => {
    assert.deepEqual(diffAccess(spec({}), { policy }), []);
  });

  const refusedFor = (st: Record<string, unknown>) => {
    try {
      checkPolicyResources({ Statement: [st] }, 'b');
      return undefined;
    } catch (err) {
      assert.ok(isAdapterError(err) && err.kind === 'Terminal', String(err));
      return err.message;
    }
  };

  it('may name only this bucket and its objects', () => {
    assert.equal(refusedFor({ ...statement, Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/logs/*'] }), undefined);
    for (const other of ['arn:aws:s3:::other-team/*', 'arn:aws:s3:::b-other/*', 'arn:aws:s3:::*', 'arn:aws:s3:::b*', '*', 'arn:aws:s3:::bb']) {
      assert.match(refusedFor({ ...statement, Resource: ['arn:aws:s3:::b/*', other] }) ?? '', /may name only the bucket/, other);
    }
  });

  it('refuses NotResource and a statement with no Resource', () => {
    assert.match(refusedFor({ ...statement, Resource: undefined, NotResource: 'arn:aws:s3:::b/*' }) ?? '', /NotResource/);
    assert.match(refusedFor({ ...statement, Resource: undefined }) ?? '', /no Resource/);
  });

  it('the schema refuses a text that is no policy document', () => {
    for (const bad of ['not json', '[]', '{"Version":"2012-10-17"}']) assert.throws(() => spec({ policy: bad }), /policy must/, bad);
  });
});

describe('CORS, website, ownership, logging', () => {
  it('CORS rules compare with their lists in any order', () => {
    const rule = { allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://a.example', 'https://b.example'] };
    const found = { allowedMethods: ['PUT', 'GET'], allowedOrigins: ['https://b.example', 'https://a.example'] };
    assert.deepEqual(diffAccess(spec({ corsRules: [rule] }), { corsRules: [found] as never }), []);
    assert.deepEqual(diffAccess(spec({ corsRules: [] }), { corsRules: [found] as never }).map((d) => d.path), ['corsRules']);
  });

  it('website and logging: enabled false asks for none', () => {
    assert.deepEqual(diffAccess(spec({ website: { enabled: false } }), { website: null }), []);
    assert.deepEqual(diffAccess(spec({ website: { enabled: false } }), { website: { indexDocument: 'index.html' } }).map((d) => d.path), ['website']);
    assert.deepEqual(diffAccess(spec({ website: { errorDocument: 'e.html' } }), { website: { indexDocument: 'index.html' } }).map((d) => d.path), ['website']);
    assert.deepEqual(diffAccess(spec({ logging: { targetBucket: 'logs', enabled: false } }), { logging: null }), []);
    assert.deepEqual(diffAccess(spec({ logging: { targetBucket: 'logs' } }), { logging: { targetBucket: 'logs', targetPrefix: 'x/' } }).map((d) => d.path), ['logging']);
  });

  it('object ownership differs only when set', () => {
    assert.deepEqual(diffAccess(spec({ objectOwnership: 'BucketOwnerEnforced' }), { objectOwnership: 'ObjectWriter' }).map((d) => d.path), ['objectOwnership']);
    assert.deepEqual(diffAccess(spec({}), { objectOwnership: 'ObjectWriter' }), []);
  });
});

describe('replication', () => {
  const role = 'arn:aws:iam::123456789012:role/replication';
  const rule = { id: 'r1', destinationBucket: 'backup' };

  it('needs versioning, by the schema', () => {
    assert.throws(() => spec({ replication: { role, rules: [rule] } }), /replication needs versioning: true/);
    assert.doesNotThrow(() => spec({ versioning: true, replication: { role, rules: [rule] } }));
  });

  it('compares rules by id in any order, and [] asks for none', () => {
    const two = [rule, { id: 'r0', destinationBucket: 'other', priority: 2 }];
    const found = { role, rules: [{ id: 'r0', destinationBucket: 'other', priority: 2, enabled: true }, { id: 'r1', destinationBucket: 'backup', priority: 1, enabled: true }] };
    assert.deepEqual(diffAccess(spec({ versioning: true, replication: { role, rules: two } }), { replication: found }), []);
    assert.deepEqual(diffAccess(spec({ versioning: true, replication: { role, rules: [rule] } }), { replication: found }).map((d) => d.path), ['replication']);
    assert.deepEqual(diffAccess(spec({ replication: { role, rules: [] } }), { replication: null }), []);
    assert.deepEqual(diffAccess(spec({ replication: { role, rules: [] } }), { replication: found }).map((d) => d.path), ['replication']);
  });
});
