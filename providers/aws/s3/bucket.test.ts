// The S3 Bucket adapter against the real emulator. Every claim about the bucket is checked through
// a separate raw S3 client (an independent oracle), never through the adapter under test.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  AdapterError,
  OWNERSHIP_TAG,
  parseSpec,
  type BucketAtProvider,
  type BucketSpec,
  type BucketSpecInput,
  type ExternalClient,
  type ManagedResource,
  type ProviderConnection,
  type RequestLimiter,
} from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { TEST_CREDENTIALS, useMoto, type Moto } from '../testing/moto.ts';
import { BucketConnector, BUCKET_DELETE_DEFAULTS } from './bucket.ts';

const REGION = 'eu-west-1';
const RUN = randomBytes(3).toString('hex');
let serial = 0;
/** Unique per test: the emulator may be shared with other test files, so it is never reset. */
const bucketName = (what: string) => `mooring-${RUN}-${what}-${++serial}`;

/** The oracle's view of a tag set. */
const tagMap = (tagSet: { Key?: string; Value?: string }[] | undefined): Record<string, string | undefined> =>
  Object.fromEntries((tagSet ?? []).map((t) => [t.Key ?? '', t.Value]));

function resource(name: string, input: Partial<BucketSpecInput> = {}, mark = `test-id/default/${name}`): ManagedResource<BucketSpec> {
  return {
    kind: 'Bucket',
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    generation: 1,
    spec: parseSpec('Bucket', { providerConfigRef: { name: 'aws' }, ...input }),
    externalName: name,
    ownershipMark: mark,
  };
}

/** Counts the requests the adapter sends, through the contract's limiter hook. */
class CountingLimiter implements RequestLimiter {
  requests = 0;
  throttles = 0;
  schedule<T>(fn: () => Promise<T>): Promise<T> {
    this.requests++;
    return fn();
  }
  throttled(): void {
    this.throttles++;
  }
  succeeded(): void {}
}

/** Runs `fn` and reports the typed error it throws. */
async function typedError(fn: () => Promise<unknown>): Promise<AdapterError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof AdapterError, `expected a typed adapter error, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

describe('S3 Bucket adapter against the emulator', () => {
  let moto: Moto;
  let raw: S3Client;
  let limiter: CountingLimiter;
  let client: ExternalClient<BucketSpec, BucketAtProvider>;
  const connection = (options: Partial<ProviderConnection> = {}): ProviderConnection => ({
    name: 'test',
    type: 'aws',
    region: REGION,
    endpoint: moto.endpoint,
    credentials: TEST_CREDENTIALS,
    settings: {},
    limiter: () => limiter,
    ...options,
  });

  before(async () => {
    moto = await useMoto();
    raw = new S3Client({ region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: TEST_CREDENTIALS });
    limiter = new CountingLimiter();
    client = await new BucketConnector().connect(connection());
  });
  after(async () => {
    await client?.disconnect();
    raw?.destroy();
    await moto?.stop();
  });

  const fullSpec: Partial<BucketSpecInput> = {
    versioning: true,
    encryption: { algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/test', bucketKeyEnabled: true },
    tags: { team: 'data', env: 'test' },
    lifecycleRules: [
      { id: 'logs', prefix: 'logs/', expirationDays: 30, noncurrentVersionExpirationDays: 7 },
      { id: 'uploads', abortIncompleteMultipartUploadDays: 2 },
    ],
  };

  it('observes a bucket that does not exist', async () => {
    const observation = await client.observe(resource(bucketName('absent')));
    assert.equal(observation.exists, false);
  });

  it('create leaves the bucket fully configured, as S3 itself reports it', async () => {
    const r = resource(bucketName('full'), fullSpec);
    await client.create(r);
    const Bucket = r.externalName;

    const location = await raw.send(new GetBucketLocationCommand({ Bucket }));
    assert.equal(location.LocationConstraint, REGION);
    const tags = tagMap((await raw.send(new GetBucketTaggingCommand({ Bucket }))).TagSet);
    assert.deepEqual(tags, { team: 'data', env: 'test', [OWNERSHIP_TAG]: r.ownershipMark });
    assert.equal((await raw.send(new GetBucketVersioningCommand({ Bucket }))).Status, 'Enabled');
    const sse = (await raw.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration!.Rules![0]!;
    assert.equal(sse.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'aws:kms');
    assert.equal(sse.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID, 'arn:aws:kms:eu-west-1:123456789012:key/test');
    assert.equal(sse.BucketKeyEnabled, true);
    assert.deepEqual((await raw.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const rules = (await raw.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules!;
    const byId = new Map(rules.map((rule) => [rule.ID, rule]));
    assert.equal(byId.get('logs')?.Filter?.Prefix, 'logs/');
    assert.equal(byId.get('logs')?.Expiration?.Days, 30);
    assert.equal(byId.get('logs')?.NoncurrentVersionExpiration?.NoncurrentDays, 7);
    assert.equal(byId.get('uploads')?.AbortIncompleteMultipartUpload?.DaysAfterInitiation, 2);

    const observation = await client.observe(r);
    assert.equal(observation.exists, true);
    assert.deepEqual(observation.diff ?? [], []);
    assert.equal(observation.upToDate, true);
    assert.equal(observation.ownershipMark, r.ownershipMark);
    assert.deepEqual(observation.atProvider, { name: Bucket, arn: `arn:aws:s3:::${Bucket}`, region: REGION });
    // What an application's S3 client needs: the endpoint override is path-style by default.
    assert.deepEqual(observation.connectionDetails, { bucket: Bucket, region: REGION, arn: `arn:aws:s3:::${Bucket}`, endpoint: moto.endpoint, forcePathStyle: 'true' });
  });

  it('observe reads concurrently only what the spec manages', async () => {
    const r = resource(bucketName('minimal'));
    await client.create(r);
    const before = limiter.requests;
    await client.observe(r);
    // HeadBucket, then tagging, versioning and public access block; no encryption, lifecycle or location.
    assert.equal(limiter.requests - before, 4);
  });

  it('create twice is fine, and leaves the bucket up to date', async () => {
    const r = resource(bucketName('twice'), fullSpec);
    await client.create(r);
    await client.create(r);
    const observation = await client.observe(r);
    assert.equal(observation.upToDate, true, JSON.stringify(observation.diff));
  });

  it('create in us-east-1 names no LocationConstraint', async () => {
    const r = resource(bucketName('use1'), { region: 'us-east-1' });
    await client.create(r);
    const location = await raw.send(new GetBucketLocationCommand({ Bucket: r.externalName }));
    assert.ok(!location.LocationConstraint, `LocationConstraint ${location.LocationConstraint}`);
    const observation = await client.observe(r);
    assert.equal(observation.upToDate, true, JSON.stringify(observation.diff));
    assert.equal(observation.atProvider?.region, 'us-east-1');
  });

  it('drift made behind our back is reported field by field, and update restores exactly that', async () => {
    const r = resource(bucketName('drift'), fullSpec);
    await client.create(r);
    const Bucket = r.externalName;
    await raw.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    await raw.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'team', Value: 'intruder' }, { Key: 'env', Value: 'test' }, { Key: OWNERSHIP_TAG, Value: r.ownershipMark }] } }));
    await raw.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    );
    await raw.send(new DeleteBucketLifecycleCommand({ Bucket }));

    const drifted = await client.observe(r);
    assert.equal(drifted.upToDate, false);
    assert.deepEqual(drifted.diff?.map((d) => d.path).sort(), ['lifecycleRules', 'publicAccessBlock.blockPublicAcls', 'tags.team', 'versioning']);
    assert.deepEqual(drifted.diff?.find((d) => d.path === 'tags.team'), { path: 'tags.team', observed: 'intruder', desired: 'data' });

    await client.update(r, drifted);
    assert.equal((await raw.send(new GetBucketVersioningCommand({ Bucket }))).Status, 'Enabled');
    const tags = tagMap((await raw.send(new GetBucketTaggingCommand({ Bucket }))).TagSet);
    assert.equal(tags.team, 'data');
    assert.equal(tags[OWNERSHIP_TAG], r.ownershipMark);
    assert.equal((await raw.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration?.BlockPublicAcls, true);
    assert.equal((await raw.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules?.length, 2);
    const restored = await client.observe(r);
    assert.equal(restored.upToDate, true, JSON.stringify(restored.diff));
  });

  it('update writes only the drifted field', async () => {
    const r = resource(bucketName('narrow'), fullSpec);
    await client.create(r);
    await raw.send(new PutBucketVersioningCommand({ Bucket: r.externalName, VersioningConfiguration: { Status: 'Suspended' } }));
    const drifted = await client.observe(r);
    assert.deepEqual(drifted.diff?.map((d) => d.path), ['versioning']);
    const before = limiter.requests;
    await client.update(r, drifted);
    assert.equal(limiter.requests - before, 1, 'one PutBucketVersioning, nothing else');
  });

  it('turning versioning off suspends it (S3 cannot return to unversioned)', async () => {
    const name = bucketName('suspend');
    await client.create(resource(name, { versioning: true }));
    const off = resource(name, { versioning: false });
    const observation = await client.observe(off);
    assert.deepEqual(observation.diff, [{ path: 'versioning', observed: 'Enabled', desired: 'Suspended' }]);
    await client.update(off, observation);
    assert.equal((await raw.send(new GetBucketVersioningCommand({ Bucket: name }))).Status, 'Suspended');
    assert.equal((await client.observe(off)).upToDate, true);
  });

  it('an empty lifecycle spec deletes the lifecycle configuration', async () => {
    const name = bucketName('nolc');
    await client.create(resource(name, { lifecycleRules: [{ id: 'a', expirationDays: 1 }] }));
    const none = resource(name, { lifecycleRules: [] });
    const observation = await client.observe(none);
    assert.deepEqual(observation.diff?.map((d) => d.path), ['lifecycleRules']);
    await client.update(none, observation);
    await assert.rejects(raw.send(new GetBucketLifecycleConfigurationCommand({ Bucket: name })), { name: 'NoSuchLifecycleConfiguration' });
    assert.equal((await client.observe(none)).upToDate, true);
  });

  it('adopting an unmarked bucket writes our mark and keeps its unmanaged tags', async () => {
    const name = bucketName('adopt');
    await raw.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await raw.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: 'cost-center', Value: '42' }] } }));
    const r = resource(name);
    const observation = await client.observe(r);
    assert.equal(observation.ownershipMark, undefined);
    await client.update(r, observation);
    const tags = tagMap((await raw.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet);
    assert.deepEqual(tags, { 'cost-center': '42', [OWNERSHIP_TAG]: r.ownershipMark });
    assert.equal((await client.observe(r)).ownershipMark, r.ownershipMark);
  });

  it('create never overwrites the mark of an owner who raced it to the name', async () => {
    const name = bucketName('raced');
    await raw.send(new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await raw.send(new PutBucketTaggingCommand({ Bucket: name, Tagging: { TagSet: [{ Key: OWNERSHIP_TAG, Value: 'test-id/other/owner' }] } }));
    const err = await typedError(() => client.create(resource(name)));
    assert.equal(err.kind, 'Conflict');
    assert.deepEqual(tagMap((await raw.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet), { [OWNERSHIP_TAG]: 'test-id/other/owner' });
  });

  it('deletes an empty bucket, and a second delete is done too', async () => {
    const r = resource(bucketName('empty'));
    await client.create(r);
    const observation = await client.observe(r);
    assert.deepEqual(await client.delete(r, observation), { done: true });
    await assert.rejects(raw.send(new HeadBucketCommand({ Bucket: r.externalName })), { name: 'NotFound' });
    // The stale observation still says it exists: the adapter must find it gone and say done.
    assert.deepEqual(await client.delete(r, observation), { done: true });
    assert.equal((await client.observe(r)).exists, false);
  });

  it('refuses to delete a non-empty bucket without emptyOnDelete, and keeps it', async () => {
    const r = resource(bucketName('keep'));
    await client.create(r);
    // Two objects, one of them in two versions: the message counts both.
    await raw.send(new PutBucketVersioningCommand({ Bucket: r.externalName, VersioningConfiguration: { Status: 'Enabled' } }));
    await raw.send(new PutObjectCommand({ Bucket: r.externalName, Key: 'precious.txt', Body: 'data' }));
    await raw.send(new PutObjectCommand({ Bucket: r.externalName, Key: 'precious.txt', Body: 'data, again' }));
    await raw.send(new PutObjectCommand({ Bucket: r.externalName, Key: 'other.txt', Body: 'more' }));
    const err = await typedError(async () => client.delete(r, await client.observe(r)));
    assert.equal(err.kind, 'Terminal');
    assert.equal(err.reason, AwsReason.BucketNotEmpty);
    assert.match(err.message, /still holds 3 object versions and delete markers \(2 objects\),/, 'says how much is left');
    assert.match(err.message, /spec\.emptyOnDelete: true/);
    assert.match(err.message, /deletionPolicy: Retain/);
    await raw.send(new HeadBucketCommand({ Bucket: r.externalName }));
    const listing = await raw.send(new ListObjectVersionsCommand({ Bucket: r.externalName }));
    assert.equal(listing.Versions?.length, 3);
  });

  it('empties a bucket of 3,000 object versions and delete markers in bounded calls, then deletes it', async () => {
    const paged = await new BucketConnector({ pagesPerCall: 1 }).connect(connection());
    try {
      const r = resource(bucketName('many'), { versioning: true, emptyOnDelete: true });
      await paged.create(r);
      const Bucket = r.externalName;
      const keys = Array.from({ length: 1000 }, (_, i) => `obj/${String(i).padStart(4, '0')}`);
      // Three versions of each key, then a delete marker on every other key: 3,000 versions + 500 markers.
      const writes = keys.flatMap((Key) => [1, 2, 3].map((v) => ({ Key, v })));
      await eachLimited(writes, 32, ({ Key, v }) => raw.send(new PutObjectCommand({ Bucket, Key, Body: `v${v}` })));
      await eachLimited(keys.filter((_, i) => i % 2 === 0), 32, (Key) => raw.send(new DeleteObjectCommand({ Bucket, Key })));
      await raw.send(new CreateMultipartUploadCommand({ Bucket, Key: 'big/upload' }));
      const first = await raw.send(new ListObjectVersionsCommand({ Bucket }));
      assert.equal(first.IsTruncated, true, 'the oracle sees more than one page');
      // What the emulator holds (3,500; on a loaded machine its versioning can lose a concurrent write).
      const total = await countVersions(raw, Bucket);
      assert.ok(total > 3_000 && total <= 3_500, `${total} versions and markers`);

      const progress: string[] = [];
      const left: unknown[] = [];
      for (let call = 0; call < 10; call++) {
        const result = await paged.delete(r, await paged.observe(r));
        if (result.done) break;
        assert.ok(result.progress, 'a call that is not done reports progress');
        progress.push(result.progress);
        left.push(result.atProvider?.versionsLeft);
      }
      // 1,000 removed a call; what is left counted after each.
      const after = [1, 2, 3].map((n) => total - 1_000 * n);
      assert.deepEqual(progress.map((p) => p.replace(/\(\d+ objects\)/, '(N objects)')), after.map((n) => `1000 object versions removed, ${n} object versions and delete markers (N objects) left`));
      assert.deepEqual(left, after);
      await assert.rejects(raw.send(new HeadBucketCommand({ Bucket })), { name: 'NotFound' });
      await assert.rejects(raw.send(new ListMultipartUploadsCommand({ Bucket })), { name: 'NoSuchBucket' });
      assert.deepEqual(await paged.delete(r, { exists: true, upToDate: true }), { done: true });
    } finally {
      await paged.disconnect();
    }
  });

  it('defaults: pages of 1,000 keys (S3 maximum), 5 pages per delete call, 5 pages counted after', () => {
    assert.equal(BUCKET_DELETE_DEFAULTS.pageSize, 1000);
    assert.equal(BUCKET_DELETE_DEFAULTS.pagesPerCall, 5);
    assert.equal(BUCKET_DELETE_DEFAULTS.countPages, 5);
    assert.throws(() => new BucketConnector({ pageSize: 1001 }), RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// The strict cloud: answers moto does not give (another account's bucket, throttling, a dead
// endpoint), served the way S3 serves them, through the real SDK.

const S3_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`;

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

describe('S3 Bucket adapter against a strict S3', () => {
  let server: Server;
  let endpoint: string;
  let limiter: CountingLimiter;
  let client: ExternalClient<BucketSpec, BucketAtProvider>;
  /** Requests to the bucket `half-uploaded`, in order. */
  const seen: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const bucket = url.pathname.split('/')[1];
      if (bucket === 'half-uploaded') return void halfUploaded(req.method ?? '', url, res);
      if (bucket === 'locked' || bucket === 'hot') return void refusesKeys(bucket, req.method ?? '', url, res);
      if (bucket === 'someone-elses' && req.method === 'HEAD') return void res.writeHead(403).end();
      if (bucket === 'someone-elses' && req.method === 'PUT') {
        return void res.writeHead(409, { 'content-type': 'application/xml' }).end(S3_ERROR('BucketAlreadyExists', 'The requested bucket name is not available.'));
      }
      if (bucket === 'busy') {
        return void res.writeHead(503, { 'content-type': 'application/xml', 'retry-after': '2' }).end(S3_ERROR('SlowDown', 'Please reduce your request rate.'));
      }
      res.writeHead(500, { 'content-type': 'application/xml' }).end(S3_ERROR('InternalError', 'unexpected request in test'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    limiter = new CountingLimiter();
    client = await new BucketConnector().connect({ name: 'strict', type: 'aws', region: REGION, endpoint, credentials: TEST_CREDENTIALS, settings: {}, limiter: () => limiter });
  });
  after(async () => {
    await client?.disconnect();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** One object version that DeleteObjects refuses with a per-key error (200 with <Error> entries). */
  function refusesKeys(bucket: string, method: string, url: URL, res: ServerResponse): void {
    const xml = (body: string) => void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
    if (method === 'GET' && url.searchParams.has('versions')) {
      return xml(`<ListVersionsResult xmlns="${XMLNS}"><Name>${bucket}</Name><IsTruncated>false</IsTruncated><Version><Key>k</Key><VersionId>v1</VersionId></Version></ListVersionsResult>`);
    }
    if (method === 'POST' && url.searchParams.has('delete')) {
      const code = bucket === 'locked' ? 'AccessDenied' : 'SlowDown';
      return xml(`<DeleteResult xmlns="${XMLNS}"><Error><Key>k</Key><VersionId>v1</VersionId><Code>${code}</Code><Message>no</Message></Error></DeleteResult>`);
    }
    res.writeHead(500).end();
  }

  /** No object versions, two incomplete multipart uploads (moto would delete such a bucket anyway). */
  function halfUploaded(method: string, url: URL, res: ServerResponse): void {
    const xml = (body: string) => void res.writeHead(200, { 'content-type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
    if (method === 'GET' && url.searchParams.has('versions')) {
      seen.push('ListObjectVersions');
      return xml(`<ListVersionsResult xmlns="${XMLNS}"><Name>half-uploaded</Name><IsTruncated>false</IsTruncated></ListVersionsResult>`);
    }
    if (method === 'GET' && url.searchParams.has('uploads')) {
      seen.push('ListMultipartUploads');
      const uploads = [['a/one', 'u1'], ['b/two', 'u2']].map(([k, id]) => `<Upload><Key>${k}</Key><UploadId>${id}</UploadId></Upload>`).join('');
      return xml(`<ListMultipartUploadsResult xmlns="${XMLNS}"><Bucket>half-uploaded</Bucket><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`);
    }
    if (method === 'DELETE' && url.searchParams.has('uploadId')) {
      seen.push(`Abort ${decodeURIComponent(url.pathname.split('/').slice(2).join('/'))} ${url.searchParams.get('uploadId')}`);
      return void res.writeHead(204).end();
    }
    if (method === 'DELETE' && /^\/half-uploaded\/?$/.test(url.pathname)) {
      seen.push('DeleteBucket');
      return void res.writeHead(204).end();
    }
    seen.push(`unexpected ${method} ${url.pathname}${url.search}`);
    res.writeHead(500).end();
  }

  it("observe: a 403 to HeadBucket is someone else's name, Terminal NameTaken", async () => {
    const err = await typedError(() => client.observe(resource('someone-elses')));
    assert.equal(err.kind, 'Terminal');
    assert.equal(err.reason, AwsReason.NameTaken);
    assert.match(err.message, /spec\.externalName/);
  });

  it('create: BucketAlreadyExists is Terminal NameTaken', async () => {
    const err = await typedError(() => client.create(resource('someone-elses')));
    assert.equal(err.kind, 'Terminal');
    assert.equal(err.reason, AwsReason.NameTaken);
  });

  it('create: 503 SlowDown is Retryable, throttled, with Retry-After, and slows the limiter', async () => {
    const before = limiter.throttles;
    const err = await typedError(() => client.create(resource('busy')));
    assert.equal(err.kind, 'Retryable');
    assert.equal(err.throttled, true);
    assert.equal(err.retryAfterMs, 2000);
    assert.equal(limiter.throttles - before, 1);
  });

  it('emptying aborts incomplete multipart uploads before it deletes the bucket', async () => {
    const result = await client.delete(resource('half-uploaded', { emptyOnDelete: true }), { exists: true, upToDate: true });
    assert.deepEqual(result, { done: true });
    assert.deepEqual(seen, ['ListObjectVersions', 'ListMultipartUploads', 'Abort a/one u1', 'Abort b/two u2', 'DeleteBucket']);
  });

  it('DeleteObjects refusing keys is typed by the refusal: AccessDenied is Terminal', async () => {
    const err = await typedError(() => client.delete(resource('locked', { emptyOnDelete: true }), { exists: true, upToDate: true }));
    assert.equal(err.kind, 'Terminal');
    assert.equal(err.reason, AwsReason.AccessDenied);
    assert.match(err.message, /1 of 1 keys refused, first k/);
  });

  it('DeleteObjects refusing keys with SlowDown is throttling, and slows the limiter', async () => {
    const before = limiter.throttles;
    const err = await typedError(() => client.delete(resource('hot', { emptyOnDelete: true }), { exists: true, upToDate: true }));
    assert.equal(err.kind, 'Retryable');
    assert.equal(err.throttled, true);
    assert.equal(limiter.throttles - before, 1);
  });

  it('a refused connection is Retryable ProviderUnavailable', async () => {
    const dead = await new BucketConnector().connect({ name: 'dead', type: 'aws', region: REGION, endpoint: 'http://127.0.0.1:1', credentials: TEST_CREDENTIALS, settings: {} });
    try {
      const err = await typedError(() => dead.observe(resource('anything')));
      assert.equal(err.kind, 'Retryable');
      assert.equal(err.reason, AwsReason.ProviderUnavailable);
    } finally {
      await dead.disconnect();
    }
  });
});

/** Every object version and delete marker in the bucket, counted through the emulator. */
async function countVersions(raw: S3Client, Bucket: string): Promise<number> {
  let count = 0;
  let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await raw.send(new ListObjectVersionsCommand({ Bucket, ...marker }));
    count += (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
    if (!page.IsTruncated) return count;
    marker = { KeyMarker: page.NextKeyMarker!, VersionIdMarker: page.NextVersionIdMarker! };
  }
}
