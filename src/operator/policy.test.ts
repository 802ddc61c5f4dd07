import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BucketSpec } from '../api/bucket.ts';
import { DatabaseSpec } from '../api/database.ts';
import { DNSRecordSpec } from '../api/dnsrecord.ts';
import { Policy } from '../api/providerconfig.ts';
import { Reason } from '../reconcile/reasons.ts';
import { checkPolicy } from './policy.ts';

const ref = { providerConfigRef: { name: 'pc' } };
const aws = { name: 'pc', type: 'aws' };
const policy = (p: unknown) => Policy.parse(p);
const withPolicy = (...Statement: unknown[]) => BucketSpec.parse({ ...ref, policy: JSON.stringify({ Version: '2012-10-17', Statement }) });
const record = (s: Record<string, unknown>) => DNSRecordSpec.parse({ ...ref, zone: { name: 'example.com' }, name: 'www', type: 'A', values: ['192.0.2.1'], ...s });

const ROLE = 'arn:aws:iam::123456789012:role/team-a-replication';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const replicating = (role: string) => BucketSpec.parse({ ...ref, versioning: true, replication: { role, rules: [{ id: 'all', destinationBucket: 'backup' }] } });
const encrypted = (kmsKeyId: string) => BucketSpec.parse({ ...ref, encryption: { algorithm: 'aws:kms', kmsKeyId } });
const rdsSpec = (rds: Record<string, unknown>) => DatabaseSpec.parse({ ...ref, rds });

/** What a spec may name of the account: unset grants nothing; exact values and prefix patterns. */
const namedCases = [
  { reason: 'a replication role without a grant', kind: 'Bucket', spec: replicating(ROLE), policy: {}, want: Reason.RoleNotGranted },
  { reason: 'a replication role granted exactly', kind: 'Bucket', spec: replicating(ROLE), policy: { buckets: { replicationRoles: [ROLE] } }, want: undefined },
  { reason: 'a replication role granted by a prefix', kind: 'Bucket', spec: replicating(ROLE), policy: { buckets: { replicationRoles: ['arn:aws:iam::123456789012:role/team-a-*'] } }, want: undefined },
  { reason: 'a replication role outside the prefix', kind: 'Bucket', spec: replicating('arn:aws:iam::123456789012:role/platform-admin'), policy: { buckets: { replicationRoles: ['arn:aws:iam::123456789012:role/team-a-*'] } }, want: Reason.RoleNotGranted },
  { reason: 'public access granted is no role grant', kind: 'Bucket', spec: replicating(ROLE), policy: { buckets: { publicAccess: true } }, want: Reason.RoleNotGranted },
  { reason: 'a bucket KMS key without a grant', kind: 'Bucket', spec: encrypted(KEY), policy: {}, want: Reason.KmsKeyNotGranted },
  { reason: 'a bucket KMS key granted', kind: 'Bucket', spec: encrypted(KEY), policy: { buckets: { kmsKeys: ['arn:aws:kms:eu-west-1:123456789012:key/*'] } }, want: undefined },
  { reason: 'the RDS key grant is not the bucket one', kind: 'Bucket', spec: encrypted(KEY), policy: { rds: { kmsKeys: ['*'] } }, want: Reason.KmsKeyNotGranted },
  { reason: 'SSE-KMS with the account default key names nothing', kind: 'Bucket', spec: BucketSpec.parse({ ...ref, encryption: { algorithm: 'aws:kms' } }), policy: {}, want: undefined },
  { reason: 'an RDS storage key without a grant', kind: 'Database', spec: rdsSpec({ kmsKeyId: 'alias/team-a' }), policy: {}, want: Reason.KmsKeyNotGranted },
  { reason: 'a Performance Insights key without a grant', kind: 'Database', spec: rdsSpec({ performanceInsights: { enabled: true, kmsKeyId: 'alias/other' } }), policy: { rds: { kmsKeys: ['alias/team-a'] } }, want: Reason.KmsKeyNotGranted },
  { reason: 'RDS keys granted by a prefix', kind: 'Database', spec: rdsSpec({ kmsKeyId: 'alias/team-a', performanceInsights: { enabled: true, kmsKeyId: 'alias/team-a-pi' } }), policy: { rds: { kmsKeys: ['alias/team-a*'] } }, want: undefined },
  { reason: 'a parameter group without a grant', kind: 'Database', spec: rdsSpec({ parameterGroupName: 'pg16-tuned' }), policy: {}, want: Reason.GroupNotGranted },
  { reason: 'a parameter group granted', kind: 'Database', spec: rdsSpec({ parameterGroupName: 'pg16-tuned' }), policy: { rds: { parameterGroups: ['pg16-*'] } }, want: undefined },
  { reason: 'a subnet group without a grant', kind: 'Database', spec: rdsSpec({ subnetGroupName: 'prod-private' }), policy: { rds: { subnetGroups: ['team-a-*'] } }, want: Reason.GroupNotGranted },
  { reason: 'a security group without a grant', kind: 'Database', spec: rdsSpec({ securityGroupIds: ['sg-0123456789abcdef0'] }), policy: {}, want: Reason.GroupNotGranted },
  { reason: 'security groups all granted', kind: 'Database', spec: rdsSpec({ securityGroupIds: ['sg-0123456789abcdef0'] }), policy: { rds: { securityGroups: ['sg-0123456789abcdef0'] } }, want: undefined },
  { reason: 'an RDS Database naming nothing needs no grant', kind: 'Database', spec: rdsSpec({ performanceInsights: { enabled: true } }), policy: {}, want: undefined },
];

describe('checkPolicy', () => {
  const cases = [
    { reason: 'a default bucket passes the default policy', kind: 'Bucket', spec: BucketSpec.parse(ref), policy: {}, want: undefined },
    { reason: 'relaxing the public access block needs the grant', kind: 'Bucket', spec: BucketSpec.parse({ ...ref, publicAccessBlock: { blockPublicPolicy: false } }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'relaxing it is fine where granted', kind: 'Bucket', spec: BucketSpec.parse({ ...ref, publicAccessBlock: { blockPublicPolicy: false } }), policy: { buckets: { publicAccess: true } }, want: undefined },
    { reason: 'a public write in the bucket policy needs the grant', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'an AWS "*" principal in a list is every principal', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::1:root', '*'] }, Action: ['s3:GetObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'a wildcard action to everyone counts as a write', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'NotPrincipal in an Allow is everyone else', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', NotPrincipal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'NotAction to everyone counts as a write', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: '*', NotAction: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'a public read passes (the public access block still guards it)', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: undefined },
    { reason: 'a Deny to everyone is no grant', kind: 'Bucket', spec: withPolicy({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: undefined },
    { reason: 'a write for one account passes', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::1:root' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }), policy: {}, want: undefined },
    { reason: 'a public write where granted', kind: 'Bucket', spec: withPolicy({ Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' }), policy: { buckets: { publicAccess: true } }, want: undefined },
    { reason: 'a record in a zone not listed', kind: 'DNSRecord', spec: record({ zone: { name: 'prod.example' } }), policy: { dns: { zones: ['example.com'] } }, want: Reason.ZoneNotGranted },
    { reason: 'zones match without case or trailing dot', kind: 'DNSRecord', spec: record({ zone: { name: 'Example.COM.' } }), policy: { dns: { zones: ['example.com'] } }, want: undefined },
    { reason: 'a zone by id needs its id listed', kind: 'DNSRecord', spec: record({ zone: { id: 'Z123' } }), policy: { dns: { zones: ['example.com'] } }, want: Reason.ZoneNotGranted },
    { reason: 'a record type not listed', kind: 'DNSRecord', spec: record({ type: 'CAA', values: ['0 issue "ca.example"'] }), policy: { dns: { recordTypes: ['A', 'CNAME'] } }, want: Reason.RecordTypeNotGranted },
    { reason: 'NS at the apex (@) needs apexNameServers', kind: 'DNSRecord', spec: record({ name: '@', type: 'NS', values: ['ns.evil.example.'] }), policy: {}, want: Reason.RecordTypeNotGranted },
    { reason: 'NS at the apex written as the zone name', kind: 'DNSRecord', spec: record({ name: 'example.com.', type: 'NS', values: ['ns.evil.example.'] }), policy: {}, want: Reason.RecordTypeNotGranted },
    { reason: 'NS by FQDN in a zone given by id counts as the apex', kind: 'DNSRecord', spec: record({ zone: { id: 'Z123' }, name: 'sub.example.com.', type: 'NS', values: ['ns.example.'] }), policy: {}, want: Reason.RecordTypeNotGranted },
    { reason: 'NS delegating a subdomain is allowed', kind: 'DNSRecord', spec: record({ name: 'sub', type: 'NS', values: ['ns.example.'] }), policy: {}, want: undefined },
    { reason: 'apex NS where granted', kind: 'DNSRecord', spec: record({ name: '@', type: 'NS', values: ['ns.example.'] }), policy: { dns: { apexNameServers: true } }, want: undefined },
    { reason: 'an RDS class not listed (the default class counts)', kind: 'Database', spec: DatabaseSpec.parse({ ...ref, rds: {} }), policy: { rds: { instanceClasses: ['db.t4g.micro'] } }, want: Reason.InstanceClassNotGranted },
    { reason: 'an RDS Database with no rds block is checked with the defaults', kind: 'Database', spec: DatabaseSpec.parse(ref), policy: { rds: { instanceClasses: ['db.t4g.micro'] } }, want: Reason.InstanceClassNotGranted },
    { reason: 'storage over the limit', kind: 'Database', spec: DatabaseSpec.parse({ ...ref, rds: { allocatedStorageGiB: 500 } }), policy: { rds: { maxAllocatedStorageGiB: 100 } }, want: Reason.StorageNotGranted },
    { reason: 'a public instance needs the grant', kind: 'Database', spec: DatabaseSpec.parse({ ...ref, rds: { publiclyAccessible: true } }), policy: {}, want: Reason.PublicAccessNotGranted },
    { reason: 'a public instance where granted', kind: 'Database', spec: DatabaseSpec.parse({ ...ref, rds: { publiclyAccessible: true } }), policy: { rds: { publiclyAccessible: true } }, want: undefined },
    ...namedCases,
  ];
  for (const c of cases) {
    it(c.reason, () => assert.equal(checkPolicy(c.kind, c.spec, policy(c.policy), aws)?.reason, c.want));
  }

  it('names the field, the value and the policy field that would grant it', () => {
    const refusal = checkPolicy('Bucket', replicating(ROLE), policy({ buckets: { replicationRoles: ['arn:aws:iam::123456789012:role/team-b-*'] } }), aws);
    assert.equal(refusal?.message, `spec.replication.role: the IAM role ${ROLE} is not granted to resources using ProviderConfig pc (spec.policy.buckets.replicationRoles: it grants arn:aws:iam::123456789012:role/team-b-*); use a granted one, or ask the platform team`);
  });

  it('names the first ungranted security group by its index', () => {
    const spec = rdsSpec({ securityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba987654321f'] });
    assert.match(checkPolicy('Database', spec, policy({ rds: { securityGroups: ['sg-0123*'] } }), aws)?.message ?? '', /^spec\.rds\.securityGroupIds\[1\]: the security group sg-0fedcba987654321f .*it grants sg-0123\*\)/);
  });

  it('names a value a Secret gave by its field only', () => {
    const spec = rdsSpec({ securityGroupIds: ['sg-0123456789abcdef0', 'sg-0fedcba987654321f'] });
    const message = checkPolicy('Database', spec, policy({}), aws, ['rds.securityGroupIds'])?.message ?? '';
    assert.match(message, /^spec\.rds\.securityGroupIds\[0\]: the security group \[redacted\] is not granted/);
    assert.doesNotMatch(message, /sg-0/);
    assert.match(checkPolicy('Database', rdsSpec({ subnetGroupName: 'literal' }), policy({}), aws, ['rds.securityGroupIds'])?.message ?? '', /subnet group literal /, 'other fields are shown');
  });

  it('account-level names of a postgres Database are not RDS\'s to check', () => {
    assert.equal(checkPolicy('Database', rdsSpec({ parameterGroupName: 'tuned' }), policy({}), { name: 'pg', type: 'postgres' }), undefined);
  });

  it('RDS limits do not apply to a postgres Database', () => {
    assert.equal(checkPolicy('Database', DatabaseSpec.parse(ref), policy({ rds: { instanceClasses: ['db.t4g.micro'] } }), { name: 'pg', type: 'postgres' }), undefined);
  });

  it('a deletion (admitted without its spec) passes, whatever the kind and the policy', () => {
    for (const kind of ['Bucket', 'DNSRecord', 'Database']) assert.equal(checkPolicy(kind, undefined, policy({ dns: { zones: ['example.com'] }, rds: { instanceClasses: ['db.t4g.micro'] } }), aws), undefined, kind);
  });

  it('a kind without checks (a plugin\'s) passes', () => {
    assert.equal(checkPolicy('Queue', {}, policy({}), aws), undefined);
  });
});
