// The conformance kit against the S3 Bucket adapter on the emulator. The oracle is a raw S3
// client on the same endpoint: it never goes through the adapter.
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketCorsCommand, GetBucketEncryptionCommand, GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand, GetBucketOwnershipControlsCommand, GetBucketPolicyCommand, GetBucketReplicationCommand, GetBucketTaggingCommand, GetBucketVersioningCommand, GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectVersionsCommand, PutBucketPolicyCommand, PutBucketTaggingCommand, PutBucketVersioningCommand,
  PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { BucketConnector } from '../../providers/aws/index.ts';
import { describeConformance, type Found } from '../../sdk/conformance/index.ts';
import type { BucketSpec, ManagedResource } from '../../sdk/index.ts';
import { BucketSpec as BucketSchema, OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { useStack } from '../support/stack.ts';
import { MOTO_ACCEPTS_ANY_CREDENTIALS, deadConnection, emulatorConnection } from './aws.ts';

const stack = useStack(['aws']);
const REGION = 'eu-west-1';
const OBJECTS = 5;
/** Two log targets the walk switches between, each letting S3's log delivery write (as S3 requires). */
const LOG_TARGETS = ['mooring-conformance-logs-1', 'mooring-conformance-logs-2'];
/** A policy naming the bucket itself; the Sid ends in a digit, which the walk counts up to change it. */
const policyFor = (bucket: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*`, Sid: 'walk1' }] });

describeConformance<BucketSpec>('aws S3 Bucket', async () => {
  const aws = (await stack.ready()).aws!;
  const connection = emulatorConnection(aws, 'conformance-s3', REGION);
  const s3 = new S3Client({ endpoint: aws.endpoint, region: REGION, forcePathStyle: true, credentials: connection.credentials! });
  const exists = (bucket: string) => s3.send(new HeadBucketCommand({ Bucket: bucket })).then(() => true, () => false);
  const empty = async (bucket: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const keys = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
    if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  };
  for (const target of LOG_TARGETS) {
    await s3.send(new CreateBucketCommand({ Bucket: target, CreateBucketConfiguration: { LocationConstraint: REGION } })).catch(() => undefined);
    const delivery = { Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${target}/*` };
    await s3.send(new PutBucketPolicyCommand({ Bucket: target, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [delivery] }) }));
  }
  const remove = async (r: ManagedResource<BucketSpec>) => {
    if (!(await exists(r.externalName))) return;
    await empty(r.externalName);
    await s3.send(new DeleteBucketCommand({ Bucket: r.externalName }));
  };
  return {
    // Two keys a page, one page a call: five objects take several delete calls.
    connector: new BucketConnector({ pageSize: 2, pagesPerCall: 1 }),
    connection: () => connection,
    resource: (name) => ({
      kind: 'Bucket', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: `mooring-${name}`,
      ownershipMark: `conformance/conformance/${name}`,
      // The bucket name in the spec too, so a variant can write a policy naming it.
      spec: BucketSchema.parse({ providerConfigRef: { name: 'conformance-s3' }, region: REGION, externalName: `mooring-${name}`, emptyOnDelete: true }),
    }),
    oracle: {
      async read(r): Promise<Found[]> {
        if (!(await exists(r.externalName))) return [];
        const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: r.externalName })).then((t) => t.TagSet ?? [], () => []);
        const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: r.externalName }))).Status ?? 'Disabled';
        const mark = tags.find((t) => t.Key === OWNERSHIP_TAG)?.Value;
        const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
        const Bucket = r.externalName;
        const [encryption, pab, lifecycle, policy, cors, website, ownership, logging, replication] = await Promise.all([
          quiet(s3.send(new GetBucketEncryptionCommand({ Bucket }))),
          quiet(s3.send(new GetPublicAccessBlockCommand({ Bucket }))),
          quiet(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))),
          quiet(s3.send(new GetBucketPolicyCommand({ Bucket }))),
          quiet(s3.send(new GetBucketCorsCommand({ Bucket }))),
          quiet(s3.send(new GetBucketWebsiteCommand({ Bucket }))),
          quiet(s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))),
          quiet(s3.send(new GetBucketLoggingCommand({ Bucket }))),
          quiet(s3.send(new GetBucketReplicationCommand({ Bucket }))),
        ]);
        return [{
          mark,
          state: {
            versioning,
            tags: tags.filter((t) => t.Key !== OWNERSHIP_TAG).map((t) => `${t.Key}=${t.Value}`).sort(),
            encryption: encryption?.ServerSideEncryptionConfiguration?.Rules ?? null,
            publicAccessBlock: pab?.PublicAccessBlockConfiguration ?? null,
            lifecycle: lifecycle?.Rules ?? null,
            policy: policy?.Policy ?? null,
            cors: cors?.CORSRules ?? null,
            website: website ? { index: website.IndexDocument ?? null, error: website.ErrorDocument ?? null } : null,
            ownership: ownership?.OwnershipControls?.Rules ?? null,
            logging: logging?.LoggingEnabled ?? null,
            replication: replication?.ReplicationConfiguration ?? null,
          },
        }];
      },
      async drift(r) {
        await s3.send(new PutBucketVersioningCommand({ Bucket: r.externalName, VersioningConfiguration: { Status: 'Enabled' } }));
        return 'versioning';
      },
      remove,
      async plant(r, mark) {
        await s3.send(new CreateBucketCommand({ Bucket: r.externalName, CreateBucketConfiguration: { LocationConstraint: REGION } }));
        if (mark) await s3.send(new PutBucketTaggingCommand({ Bucket: r.externalName, Tagging: { TagSet: [{ Key: OWNERSHIP_TAG, Value: mark }] } }));
      },
      cleanup: remove,
    },
    async fill(r) {
      for (let i = 0; i < OBJECTS; i++) await s3.send(new PutObjectCommand({ Bucket: r.externalName, Key: `object-${i}`, Body: 'x' }));
    },
    unreachable: (secret) => deadConnection(connection, secret),
    // Ours, but in another region than the spec's: a bucket cannot move, so the update must refuse.
    async invalidSpec(r) {
      const elsewhere = new S3Client({ endpoint: aws.endpoint, region: 'eu-central-1', forcePathStyle: true, credentials: connection.credentials! });
      await elsewhere.send(new CreateBucketCommand({ Bucket: r.externalName, CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
      elsewhere.destroy();
      await s3.send(new PutBucketTaggingCommand({ Bucket: r.externalName, Tagging: { TagSet: [{ Key: OWNERSHIP_TAG, Value: r.ownershipMark }] } }));
      return r;
    },
    fields: {
      values: {
        lifecycleRules: [[{ id: 'walk', expirationDays: 30 }]],
        'lifecycleRules[].transitions': [[{ days: 60, storageClass: 'GLACIER' }]],
        corsRules: [[{ allowedMethods: ['GET'], allowedOrigins: ['https://app.example'] }]],
        logging: [{ targetBucket: LOG_TARGETS[0] }],
        'logging.targetBucket': LOG_TARGETS,
        replication: [{ role: 'arn:aws:iam::123456789012:role/replication1', rules: [{ id: 'walk', destinationBucket: LOG_TARGETS[0] }] }],
        'replication.rules[].destinationBucket': LOG_TARGETS,
      },
      // The policy must name the bucket itself, which only the spec knows.
      variants: {
        'with a policy': (s) => ({ ...s, policy: policyFor(s.externalName!) }),
        // Replication needs a versioned bucket, which the walk may have switched off by then.
        'versioned, replicating': (s) => ({ ...s, versioning: true, replication: { role: 'arn:aws:iam::123456789012:role/replication1', rules: [{ id: 'walk', priority: 1, destinationBucket: LOG_TARGETS[0]!, enabled: true }] } }),
      },
      notSettings: { emptyOnDelete: "what delete does (the case 'partial delete resumes' empties a bucket of objects)" },
    },
    skip: {
      'bad credentials are Terminal': MOTO_ACCEPTS_ANY_CREDENTIALS,
    },
  };
});
