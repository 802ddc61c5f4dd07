// The conformance kit against the S3 Bucket adapter on the emulator. The oracle is a raw S3
// client on the same endpoint: it never goes through the adapter.
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketEncryptionCommand, GetBucketLifecycleConfigurationCommand, GetBucketTaggingCommand,
  GetBucketVersioningCommand, GetPublicAccessBlockCommand,
  HeadBucketCommand, ListObjectVersionsCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
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
      spec: BucketSchema.parse({ providerConfigRef: { name: 'conformance-s3' }, region: REGION, emptyOnDelete: true }),
    }),
    oracle: {
      async read(r): Promise<Found[]> {
        if (!(await exists(r.externalName))) return [];
        const tags = await s3.send(new GetBucketTaggingCommand({ Bucket: r.externalName })).then((t) => t.TagSet ?? [], () => []);
        const versioning = (await s3.send(new GetBucketVersioningCommand({ Bucket: r.externalName }))).Status ?? 'Disabled';
        const mark = tags.find((t) => t.Key === OWNERSHIP_TAG)?.Value;
        const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);
        const [encryption, pab, lifecycle] = await Promise.all([
          quiet(s3.send(new GetBucketEncryptionCommand({ Bucket: r.externalName }))),
          quiet(s3.send(new GetPublicAccessBlockCommand({ Bucket: r.externalName }))),
          quiet(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: r.externalName }))),
        ]);
        return [{
          mark,
          state: {
            versioning,
            tags: tags.filter((t) => t.Key !== OWNERSHIP_TAG).map((t) => `${t.Key}=${t.Value}`).sort(),
            encryption: encryption?.ServerSideEncryptionConfiguration?.Rules ?? null,
            publicAccessBlock: pab?.PublicAccessBlockConfiguration ?? null,
            lifecycle: lifecycle?.Rules ?? null,
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
      values: { lifecycleRules: [[{ id: 'walk', expirationDays: 30 }]], 'lifecycleRules[].transitions': [[{ days: 60, storageClass: 'GLACIER' }]] },
      notSettings: { emptyOnDelete: "what delete does (the case 'partial delete resumes' empties a bucket of objects)" },
    },
    skip: {
      'bad credentials are Terminal': MOTO_ACCEPTS_ANY_CREDENTIALS,
    },
  };
});
