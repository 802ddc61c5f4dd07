// The S3 Bucket adapter: observe / create / update / delete one bucket, written against S3's
// documented behaviour. What the spec manages and how it compares is in state.ts; how failures are
// typed is in ../common/classify.ts.
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteBucketLifecycleCommand,
  DeleteBucketPolicyCommand,
  DeleteBucketReplicationCommand,
  DeleteBucketWebsiteCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketReplicationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutBucketWebsiteCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
  type ObjectIdentifier,
  type _Error as S3ObjectError,
} from '@aws-sdk/client-s3';
import {
  ConflictError,
  OWNERSHIP_TAG,
  TerminalError,
  type BucketAtProvider,
  type BucketSpec,
  type Connector,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
} from '../../../sdk/index.ts';
import { bucketArn } from '../common/arn.ts';
import { AwsReason } from '../common/classify.ts';
import { AwsCaller, awsSettings, s3ClientConfig } from '../common/client.ts';
import { ClientPool } from '../common/pool.ts';
import {
  checkPolicyResources, corsRuleFromS3, corsRuleToS3, diffAccess, loggingFromS3, loggingToS3, policyToWrite, replicationFromS3, replicationToS3, websiteFromS3, websiteToS3,
  type ObservedAccess,
} from './access.ts';
import { bucketConnectionDetails } from './connection.ts';
import {
  diffBucket,
  encryptionFromS3,
  encryptionToS3,
  lifecycleRuleFromS3,
  lifecycleRuleToS3,
  parseVersioning,
  publicAccessBlockFromS3,
  publicAccessBlockToS3,
  tagSetToWrite,
  tagsFromS3,
  type ObservedBucket,
  type VersioningStatus,
} from './state.ts';

/** How much one delete call may do before it reports progress and lets the reconciler call again. */
export const BUCKET_DELETE_DEFAULTS = {
  /** Keys per ListObjectVersions page and DeleteObjects call (S3's maximum for both is 1,000). */
  pageSize: 1000,
  /** Pages of object versions removed per delete call. */
  pagesPerCall: 5,
  /** AbortMultipartUpload requests in flight at once. */
  abortConcurrency: 8,
  /** Listing pages read after a delete call to count what is left (beyond: "more than N left"). */
  countPages: 5,
} as const;

export interface BucketConnectorOptions {
  /** Default 1,000 (S3's maximum); see BUCKET_DELETE_DEFAULTS. */
  pageSize?: number;
  /** Default 5. */
  pagesPerCall?: number;
  /** Default 8. */
  abortConcurrency?: number;
  /** Default 5. */
  countPages?: number;
}

/** What an emptying delete has left, counted after its call (complete: every page was read). */
interface Left {
  /** Keys with at least one version. */
  objects: number;
  /** Object versions and delete markers. */
  versions: number;
  complete: boolean;
}

/** S3's us-east-1 is the one region CreateBucket must not name as a LocationConstraint. */
const US_EAST_1 = 'us-east-1';

/** A read or write found the bucket gone. */
const GONE = Symbol('gone');
const gone = (): typeof GONE => GONE;

export class BucketConnector implements Connector<BucketSpec, BucketAtProvider> {
  private readonly options: Required<BucketConnectorOptions>;
  /** One S3 client per ProviderConfig and region, shared by every pass: a bucket is created through its own region's endpoint. */
  private readonly clients = new ClientPool((connection, region) => new S3Client(s3ClientConfig(connection, region)));

  constructor(options: BucketConnectorOptions = {}) {
    this.options = { ...BUCKET_DELETE_DEFAULTS, ...options };
    if (this.options.pageSize < 1 || this.options.pageSize > 1000) throw new RangeError('pageSize must be 1-1000');
  }

  async connect(connection: ProviderConnection): Promise<ExternalClient<BucketSpec, BucketAtProvider>> {
    awsSettings(connection); // a bad ProviderConfig fails here, before any request
    return new BucketClient(connection, this.options, (region) => this.clients.get(connection, region));
  }
}

class BucketClient implements ExternalClient<BucketSpec, BucketAtProvider> {
  private readonly connection: ProviderConnection;
  private readonly options: Required<BucketConnectorOptions>;
  private readonly aws: AwsCaller;
  private readonly s3: (region: string) => S3Client;
  /** Buckets this client created: the observe that follows needs no separate existence check. */
  private readonly createdHere = new Set<string>();

  constructor(connection: ProviderConnection, options: Required<BucketConnectorOptions>, s3: (region: string) => S3Client) {
    this.connection = connection;
    this.options = options;
    this.s3 = s3;
    this.aws = new AwsCaller(connection.limiter?.('s3'));
  }

  // --- observe ---------------------------------------------------------------------------------

  async observe(resource: ManagedResource<BucketSpec>): Promise<Observation<BucketAtProvider>> {
    const bucket = resource.externalName;
    const region = this.regionOf(resource);
    const s3 = this.s3(region);
    const fetched = await this.fetch(s3, resource);
    if (fetched === GONE) return { exists: false, upToDate: false };
    const { found, reads } = fetched;
    // HeadBucket names the region (x-amz-bucket-region); ask only when it did not.
    let location = reads.location;
    if (!found.BucketRegion && location === undefined) {
      const answer = await this.aws.call(`S3 GetBucketLocation on ${bucket}`, () => s3.send(new GetBucketLocationCommand({ Bucket: bucket })), { NoSuchBucket: gone });
      if (answer === GONE) return { exists: false, upToDate: false };
      location = answer;
    }
    const observed = observedBucket(found.BucketRegion ?? locationRegion(location?.LocationConstraint), reads);
    const diff = [...diffBucket(resource.spec, region, observed), ...diffAccess(resource.spec, reads.access)];
    const live = observed.region ?? region;
    return {
      exists: true,
      upToDate: diff.length === 0,
      ownershipMark: observed.tags[OWNERSHIP_TAG],
      atProvider: { name: bucket, arn: bucketArn(bucket, live), region: live },
      connectionDetails: bucketConnectionDetails(bucket, live, this.connection),
      ...(diff.length ? { diff } : {}),
    };
  }

  /**
   * HeadBucket and the settings' reads; GONE when the bucket is not there (or went between them).
   * A bucket last seen existing (or made by this client) most likely still does: HEAD and the
   * reads go together, one round trip instead of two. HEAD's answer still decides: gone, or
   * someone else's, whatever the reads said.
   */
  private async fetch(s3: S3Client, resource: ManagedResource<BucketSpec>) {
    const bucket = resource.externalName;
    if (resource.recorded !== undefined || this.createdHere.has(bucket)) {
      const [h, r] = await Promise.allSettled([this.head(s3, bucket), this.readSettings(s3, resource, false)]);
      if (h.status === 'rejected') throw h.reason;
      if (h.value === GONE) return GONE;
      if (r.status === 'rejected') throw r.reason;
      return r.value === GONE ? GONE : { found: h.value, reads: r.value };
    }
    const found = await this.head(s3, bucket);
    if (found === GONE) return GONE;
    const reads = await this.readSettings(s3, resource, !found.BucketRegion);
    return reads === GONE ? GONE : { found, reads };
  }

  private head(s3: S3Client, bucket: string) {
    return this.aws.call(`S3 HeadBucket on ${bucket}`, () => s3.send(new HeadBucketCommand({ Bucket: bucket })), {
      NotFound: gone,
      NoSuchBucket: gone,
      '404': gone,
      '403': (err) => {
        throw new TerminalError(
          AwsReason.NameTaken,
          `the bucket name ${bucket} is taken: S3 answers 403 to HeadBucket, so the bucket exists and belongs to another account ` +
            `(a HEAD answer has no body, so S3 cannot say more: the credentials may also be invalid or lack s3:ListBucket on it). ` +
            `Choose another spec.externalName, or fix the credentials if the bucket is yours.`,
          { cause: err },
        );
      },
    });
  }

  /** The settings the spec manages, read concurrently; GONE when the bucket went meanwhile. */
  private async readSettings(s3: S3Client, resource: ManagedResource<BucketSpec>, withLocation: boolean) {
    const { spec } = resource;
    const bucket = resource.externalName;
    const read = <T>(op: string, fn: () => Promise<T>, absent?: Record<string, () => null>) =>
      this.aws.call(`S3 ${op} on ${bucket}`, fn, { NoSuchBucket: gone, ...absent });
    const none = () => null;
    const [tagging, versioning, pab, encryption, lifecycle, location] = await Promise.all([
      read('GetBucketTagging', () => s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), { NoSuchTagSet: none }),
      read('GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))),
      read('GetPublicAccessBlock', () => s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })), { NoSuchPublicAccessBlockConfiguration: none }),
      spec.encryption
        ? read('GetBucketEncryption', () => s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), { ServerSideEncryptionConfigurationNotFoundError: none })
        : undefined,
      spec.lifecycleRules
        ? read('GetBucketLifecycleConfiguration', () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })), { NoSuchLifecycleConfiguration: none })
        : undefined,
      withLocation ? read('GetBucketLocation', () => s3.send(new GetBucketLocationCommand({ Bucket: bucket }))) : undefined,
    ]);
    const access = await this.readAccess(s3, resource);
    if (tagging === GONE || versioning === GONE || pab === GONE || encryption === GONE || lifecycle === GONE || location === GONE || access === GONE) return GONE;
    return { tagging, versioning, pab, encryption, lifecycle, location, access };
  }

  /** The access settings the spec sets, read concurrently (each left unread when unset). */
  private async readAccess(s3: S3Client, resource: ManagedResource<BucketSpec>): Promise<ObservedAccess | typeof GONE> {
    const { spec } = resource;
    const Bucket = resource.externalName;
    const read = <T>(op: string, fn: () => Promise<T>, absent: string) => this.aws.call(`S3 ${op} on ${Bucket}`, fn, { NoSuchBucket: gone, [absent]: () => null });
    const [policy, cors, website, ownership, logging, replication] = await Promise.all([
      spec.policy !== undefined ? read('GetBucketPolicy', () => s3.send(new GetBucketPolicyCommand({ Bucket })), 'NoSuchBucketPolicy') : undefined,
      spec.corsRules ? read('GetBucketCors', () => s3.send(new GetBucketCorsCommand({ Bucket })), 'NoSuchCORSConfiguration') : undefined,
      spec.website ? read('GetBucketWebsite', () => s3.send(new GetBucketWebsiteCommand({ Bucket })), 'NoSuchWebsiteConfiguration') : undefined,
      spec.objectOwnership ? read('GetBucketOwnershipControls', () => s3.send(new GetBucketOwnershipControlsCommand({ Bucket })), 'OwnershipControlsNotFoundError') : undefined,
      spec.logging ? read('GetBucketLogging', () => s3.send(new GetBucketLoggingCommand({ Bucket })), 'NoSuchBucketLoggingConfiguration') : undefined,
      spec.replication ? read('GetBucketReplication', () => s3.send(new GetBucketReplicationCommand({ Bucket })), 'ReplicationConfigurationNotFoundError') : undefined,
    ]);
    if (policy === GONE || cors === GONE || website === GONE || ownership === GONE || logging === GONE || replication === GONE) return GONE;
    const out: ObservedAccess = {};
    if (policy !== undefined) out.policy = policy?.Policy ? (JSON.parse(policy.Policy) as unknown) : null;
    if (cors !== undefined) out.corsRules = (cors?.CORSRules ?? []).map(corsRuleFromS3);
    if (website !== undefined) out.website = websiteFromS3(website);
    if (ownership !== undefined) out.objectOwnership = ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership ?? null;
    if (logging !== undefined) out.logging = loggingFromS3(logging ?? undefined);
    if (replication !== undefined) out.replication = replicationFromS3(replication?.ReplicationConfiguration);
    return out;
  }

  // --- create ----------------------------------------------------------------------------------

  async create(resource: ManagedResource<BucketSpec>): Promise<Observation<BucketAtProvider> | undefined> {
    const bucket = resource.externalName;
    // A policy naming other buckets is refused before anything is made.
    if (resource.spec.policy !== undefined) checkPolicyResources(JSON.parse(resource.spec.policy), bucket);
    const region = this.regionOf(resource);
    const s3 = this.s3(region);
    const input = region === US_EAST_1 ? { Bucket: bucket } : { Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
    // BucketAlreadyExists (someone else's) is classified Terminal NameTaken.
    const created = await this.aws.call(`S3 CreateBucket ${bucket}`, () => s3.send(new CreateBucketCommand(input)), {
      BucketAlreadyOwnedByYou: () => false as const,
    });
    this.createdHere.add(bucket);
    // Ours already: a crash after an earlier create, or someone in this account raced us. In
    // us-east-1 S3 answers 200 to creating a bucket we own, so there it is never certain we made it.
    const existingTags = created === false || region === US_EAST_1 ? await this.checkStillUnclaimed(resource) : {};
    // The ownership mark first: a crash after it leaves a bucket recognisably ours.
    const tags = await this.writeTags(resource, existingTags);
    // The rest are independent settings of one bucket: sent together.
    const { encryption, versioning, lifecycleRules } = resource.spec;
    await Promise.all([
      this.putPublicAccessBlock(resource),
      encryption && this.putEncryption(resource, encryption),
      versioning && this.putVersioning(resource, 'Enabled'),
      lifecycleRules?.length && this.putLifecycle(resource, lifecycleRules),
      this.putAccess(resource, (f) => f !== 'replication'),
    ]);
    // S3 takes a replication configuration only on a bucket already versioned.
    if (resource.spec.replication) await this.putAccess(resource, (f) => f === 'replication');
    // A bucket that was there before (no tags at all is what a fresh one has) may hold settings
    // this create did not write: only a read tells.
    const fresh = created !== false && Object.keys(existingTags).length === 0;
    return fresh ? made(resource, region, tags, this.connection) : undefined;
  }

  /** Before configuring a bucket we did not just create, make sure no other owner marked it meanwhile. */
  private async checkStillUnclaimed(resource: ManagedResource<BucketSpec>): Promise<Record<string, string>> {
    const tags = await this.readTags(resource);
    const mark = tags[OWNERSHIP_TAG];
    if (mark !== undefined && mark !== resource.ownershipMark) {
      throw new ConflictError(AwsReason.Conflict, `the bucket ${resource.externalName} appeared while it was being created and is owned by ${mark}; observing again`);
    }
    return tags;
  }

  // --- update ----------------------------------------------------------------------------------

  async update(resource: ManagedResource<BucketSpec>, observation: Observation<BucketAtProvider>): Promise<void> {
    const bucket = resource.externalName;
    if (!observation.exists) throw new ConflictError(AwsReason.Conflict, `the bucket ${bucket} is gone since it was observed; observing again`);
    const diff = observation.diff ?? [];
    const changed = (prefix: string) => diff.some((d) => d.path === prefix || d.path.startsWith(`${prefix}.`));
    const { spec } = resource;

    const region = diff.find((d) => d.path === 'region');
    if (region) {
      throw new TerminalError(
        AwsReason.InvalidSpec,
        `the bucket ${bucket} is in ${String(region.observed)} but spec.region asks for ${String(region.desired)}; a bucket cannot move between regions. Set spec.region to ${String(region.observed)}, or choose another spec.externalName.`,
      );
    }
    // Tags always carry our mark: writing it is how an adopted bucket becomes ours.
    if (changed('tags') || observation.ownershipMark !== resource.ownershipMark) await this.writeTags(resource, await this.readTags(resource));
    if (changed('publicAccessBlock')) await this.putPublicAccessBlock(resource);
    if (changed('encryption') && spec.encryption) await this.putEncryption(resource, spec.encryption);
    const versioning = diff.find((d) => d.path === 'versioning');
    if (versioning && (versioning.desired === 'Enabled' || versioning.desired === 'Suspended')) await this.putVersioning(resource, versioning.desired);
    if (changed('lifecycleRules') && spec.lifecycleRules) {
      if (spec.lifecycleRules.length) await this.putLifecycle(resource, spec.lifecycleRules);
      else await this.configure(resource, 'DeleteBucketLifecycle', (s3, b) => s3.send(new DeleteBucketLifecycleCommand({ Bucket: b })));
    }
    await this.putAccess(resource, changed);
  }

  /**
   * Writes the access settings the spec sets and `wanted` names. Independent settings, sent
   * together; the policy checked first, so a hostile one is refused before any of them is written.
   */
  private async putAccess(resource: ManagedResource<BucketSpec>, wanted: (field: string) => boolean): Promise<void> {
    const { policy, corsRules, website, objectOwnership, logging, replication } = resource.spec;
    const arnOf = (b: string) => bucketArn(b, this.regionOf(resource));
    if (policy !== undefined && wanted('policy')) checkPolicyResources(JSON.parse(policy), resource.externalName);
    const put = (op: string, send: (s3: S3Client, Bucket: string) => Promise<unknown>) => this.configure(resource, op, send);
    const policyText = policy === undefined ? undefined : policyToWrite(policy);
    await Promise.all([
      policy !== undefined && wanted('policy') &&
        (policyText
          ? put('PutBucketPolicy', (s3, Bucket) => s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policyText })))
          : put('DeleteBucketPolicy', (s3, Bucket) => s3.send(new DeleteBucketPolicyCommand({ Bucket })))),
      corsRules && wanted('corsRules') &&
        (corsRules.length
          ? put('PutBucketCors', (s3, Bucket) => s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: corsRules.map(corsRuleToS3) } })))
          : put('DeleteBucketCors', (s3, Bucket) => s3.send(new DeleteBucketCorsCommand({ Bucket })))),
      website && wanted('website') &&
        (website.enabled
          ? put('PutBucketWebsite', (s3, Bucket) => s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: websiteToS3(website) })))
          : put('DeleteBucketWebsite', (s3, Bucket) => s3.send(new DeleteBucketWebsiteCommand({ Bucket })))),
      objectOwnership && wanted('objectOwnership') &&
        put('PutBucketOwnershipControls', (s3, Bucket) => s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: objectOwnership }] } }))),
      logging && wanted('logging') && put('PutBucketLogging', (s3, Bucket) => s3.send(new PutBucketLoggingCommand({ Bucket, BucketLoggingStatus: loggingToS3(logging) }))),
      replication && wanted('replication') &&
        (replication.rules.length
          ? put('PutBucketReplication', (s3, Bucket) => s3.send(new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: replicationToS3(replication, arnOf) })))
          : put('DeleteBucketReplication', (s3, Bucket) => s3.send(new DeleteBucketReplicationCommand({ Bucket })))),
    ]);
  }

  // --- delete ----------------------------------------------------------------------------------

  async delete(resource: ManagedResource<BucketSpec>, observation: Observation<BucketAtProvider>): Promise<DeleteResult> {
    if (!observation.exists) return { done: true };
    const bucket = resource.externalName;
    if (!resource.spec.emptyOnDelete) {
      const result = await this.deleteBucket(resource);
      if (result === 'not-empty') {
        // How much would go, so whoever decides reads it here (a bounded count, as while emptying).
        const left = await this.countLeft(resource);
        if (left === GONE) return { done: true };
        const what = left.versions > 0 ? leftText(left) : 'objects (none listed just now: incomplete multipart uploads, or objects still being written)';
        throw new TerminalError(
          AwsReason.BucketNotEmpty,
          `the bucket ${bucket} still holds ${what}, and mooring deletes data only when asked. To proceed: set spec.emptyOnDelete: true to remove ` +
            `every object version with the bucket; or set spec.deletionPolicy: Retain to keep the bucket and let the resource go; or empty the bucket yourself.`,
        );
      }
      return { done: true };
    }

    const versions = await this.removeObjectVersions(resource);
    if (versions === GONE) return { done: true };
    const uploads = versions.more ? { aborted: 0, more: false } : await this.abortUploads(resource);
    if (uploads === GONE) return { done: true };
    if (versions.more || uploads.more) {
      const left = versions.more ? await this.countLeft(resource) : { objects: 0, versions: 0, complete: true };
      if (left === GONE) return { done: true };
      // Counts in status too, so `kubectl get` and alerts read numbers, not prose.
      return { done: false, progress: progress(versions.removed, uploads.aborted, `${leftText(left)} left`), atProvider: { objectsLeft: left.objects, versionsLeft: left.versions } };
    }

    const result = await this.deleteBucket(resource);
    if (result === 'not-empty') {
      // Objects were written while we emptied it (or a listing lagged): the next call goes on.
      return { done: false, progress: progress(versions.removed, uploads.aborted, 'objects are still being written; continuing') };
    }
    return { done: true };
  }

  /** Removes object versions and delete markers, a bounded number of pages per call. */
  private async removeObjectVersions(resource: ManagedResource<BucketSpec>): Promise<{ removed: number; more: boolean } | typeof GONE> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    let removed = 0;
    for (let page = 0; page < this.options.pagesPerCall; page++) {
      // Always from the start: what the last page listed is deleted, so a fresh listing resumes
      // where the last call (or a crashed operator) stopped.
      const listing = await this.aws.call(
        `S3 ListObjectVersions on ${bucket}`,
        () => s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: this.options.pageSize })),
        { NoSuchBucket: gone },
      );
      if (listing === GONE) return GONE;
      const ids: ObjectIdentifier[] = [...(listing.Versions ?? []), ...(listing.DeleteMarkers ?? [])]
        .filter((v) => v.Key !== undefined)
        .map((v) => ({ Key: v.Key!, ...(v.VersionId ? { VersionId: v.VersionId } : {}) }));
      if (ids.length === 0) return { removed, more: false };
      for (let i = 0; i < ids.length; i += this.options.pageSize) {
        const batch = ids.slice(i, i + this.options.pageSize);
        const result = await this.aws.call(
          `S3 DeleteObjects on ${bucket}`,
          async () => {
            const answer = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
            // A 200 that refused some keys: typed like any failure (and a SlowDown still slows the limiter).
            if (answer.Errors?.length) throw deleteObjectsFailure(batch.length, answer.Errors);
            return answer;
          },
          { NoSuchBucket: gone },
        );
        if (result === GONE) return GONE;
        removed += batch.length;
      }
      if (!listing.IsTruncated) return { removed, more: false };
    }
    return { removed, more: true };
  }

  /** Counts the versions and delete markers still there, reading at most `countPages` pages. */
  private async countLeft(resource: ManagedResource<BucketSpec>): Promise<Left | typeof GONE> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    const keys = new Set<string>();
    let versions = 0;
    let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
    for (let page = 0; page < this.options.countPages; page++) {
      const listing = await this.aws.call(
        `S3 ListObjectVersions on ${bucket}`,
        () => s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: this.options.pageSize, ...marker })),
        { NoSuchBucket: gone },
      );
      if (listing === GONE) return GONE;
      for (const v of listing.Versions ?? []) if (v.Key !== undefined) keys.add(v.Key);
      versions += (listing.Versions?.length ?? 0) + (listing.DeleteMarkers?.length ?? 0);
      if (!listing.IsTruncated) return { objects: keys.size, versions, complete: true };
      marker = { ...(listing.NextKeyMarker ? { KeyMarker: listing.NextKeyMarker } : {}), ...(listing.NextVersionIdMarker ? { VersionIdMarker: listing.NextVersionIdMarker } : {}) };
    }
    return { objects: keys.size, versions, complete: false };
  }

  /** Aborts incomplete multipart uploads, one listing page per call. */
  private async abortUploads(resource: ManagedResource<BucketSpec>): Promise<{ aborted: number; more: boolean } | typeof GONE> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    const listing = await this.aws.call(
      `S3 ListMultipartUploads on ${bucket}`,
      () => s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, MaxUploads: this.options.pageSize })),
      { NoSuchBucket: gone },
    );
    if (listing === GONE) return GONE;
    const uploads = (listing.Uploads ?? []).filter((u) => u.Key !== undefined && u.UploadId !== undefined);
    let aborted = 0;
    let bucketGone = false;
    await eachLimited(uploads, this.options.abortConcurrency, async (u) => {
      const result = await this.aws.call(
        `S3 AbortMultipartUpload on ${bucket}`,
        () => s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key!, UploadId: u.UploadId! })),
        { NoSuchUpload: () => undefined, NoSuchBucket: gone },
      );
      if (result === GONE) bucketGone = true;
      else aborted++;
    });
    if (bucketGone) return GONE;
    return { aborted, more: listing.IsTruncated === true };
  }

  private async deleteBucket(resource: ManagedResource<BucketSpec>): Promise<'deleted' | 'not-empty'> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    const result = await this.aws.call(`S3 DeleteBucket ${bucket}`, () => s3.send(new DeleteBucketCommand({ Bucket: bucket })), {
      NoSuchBucket: () => 'deleted' as const,
      BucketNotEmpty: () => 'not-empty' as const,
    });
    return result === 'not-empty' ? 'not-empty' : 'deleted';
  }

  // --- shared writes ---------------------------------------------------------------------------

  /** The SDK clients stay with the connector, for the next pass. */
  async disconnect(): Promise<void> {}

  private async readTags(resource: ManagedResource<BucketSpec>): Promise<Record<string, string>> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    const tagging = await this.aws.call(`S3 GetBucketTagging on ${bucket}`, () => s3.send(new GetBucketTaggingCommand({ Bucket: bucket })), {
      NoSuchTagSet: () => null,
      NoSuchBucket: () => {
        throw new ConflictError(AwsReason.Conflict, `the bucket ${bucket} disappeared while it was being configured; observing again`);
      },
    });
    return tagsFromS3(tagging?.TagSet);
  }

  /** The user's tags (when the spec manages them), AWS's system tags, and our ownership mark. */
  /** Writes the bucket's whole tag set; returns what it wrote. */
  private async writeTags(resource: ManagedResource<BucketSpec>, observedTags: Record<string, string>): Promise<Record<string, string>> {
    const TagSet = tagSetToWrite(resource.spec.tags, observedTags, resource.ownershipMark);
    await this.configure(resource, 'PutBucketTagging', (s3, b) => s3.send(new PutBucketTaggingCommand({ Bucket: b, Tagging: { TagSet } })));
    return tagsFromS3(TagSet);
  }

  private async putPublicAccessBlock(resource: ManagedResource<BucketSpec>): Promise<void> {
    const PublicAccessBlockConfiguration = publicAccessBlockToS3(resource.spec.publicAccessBlock);
    await this.configure(resource, 'PutPublicAccessBlock', (s3, b) => s3.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration })));
  }

  private async putEncryption(resource: ManagedResource<BucketSpec>, encryption: NonNullable<BucketSpec['encryption']>): Promise<void> {
    const ServerSideEncryptionConfiguration = encryptionToS3(encryption);
    await this.configure(resource, 'PutBucketEncryption', (s3, b) => s3.send(new PutBucketEncryptionCommand({ Bucket: b, ServerSideEncryptionConfiguration })));
  }

  private async putVersioning(resource: ManagedResource<BucketSpec>, status: VersioningStatus): Promise<void> {
    await this.configure(resource, 'PutBucketVersioning', (s3, b) => s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: status } })));
  }

  private async putLifecycle(resource: ManagedResource<BucketSpec>, rules: NonNullable<BucketSpec['lifecycleRules']>): Promise<void> {
    await this.configure(
      resource,
      'PutBucketLifecycleConfiguration',
      (s3, b) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: b, LifecycleConfiguration: { Rules: rules.map(lifecycleRuleToS3) } })),
    );
  }

  /**
   * One configuration write. The bucket vanishing under it (deleted behind our back, or S3's
   * eventual consistency right after CreateBucket) is a conflict: observe again, then act.
   */
  private async configure(
    resource: ManagedResource<BucketSpec>,
    op: string,
    send: (s3: S3Client, bucket: string) => Promise<unknown>,
  ): Promise<void> {
    const bucket = resource.externalName;
    const s3 = this.s3(this.regionOf(resource));
    await this.aws.call(`S3 ${op} on ${bucket}`, () => send(s3, bucket), {
      NoSuchBucket: () => {
        throw new ConflictError(AwsReason.Conflict, `the bucket ${bucket} disappeared while it was being configured (${op}); observing again`);
      },
    });
  }

  private regionOf(resource: ManagedResource<BucketSpec>): string {
    return resource.spec.region ?? this.connection.region;
  }

}

/** GetBucketLocation's answer as a region: empty means us-east-1, `EU` is the old eu-west-1. */
/** What the reads show, in the spec's terms; a setting the spec leaves out was not read. */
function observedBucket(region: string | undefined, reads: Settings): ObservedBucket {
  const { tagging, versioning, pab, encryption, lifecycle } = reads;
  const observed: ObservedBucket = {
    region,
    tags: tagsFromS3(tagging?.TagSet),
    versioning: parseVersioning(versioning.Status),
    publicAccessBlock: publicAccessBlockFromS3(pab?.PublicAccessBlockConfiguration),
  };
  if (encryption !== undefined) observed.encryption = encryptionFromS3(encryption?.ServerSideEncryptionConfiguration);
  if (lifecycle !== undefined) observed.lifecycleRules = (lifecycle?.Rules ?? []).map(lifecycleRuleFromS3);
  return observed;
}

type Settings = Exclude<Awaited<ReturnType<BucketClient['readSettings']>>, typeof GONE>;

function locationRegion(constraint: string | undefined): string | undefined {
  if (constraint === undefined) return undefined;
  if (constraint === '') return US_EAST_1;
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** `1200 object versions and delete markers (400 objects)`, or `more than …` when not all was read. */
function leftText(left: Left): string {
  return `${left.complete ? '' : 'more than '}${left.versions} object versions and delete markers (${left.objects} objects)`;
}

function progress(removed: number, aborted: number, tail: string): string {
  const parts = [`${removed} object versions removed`];
  if (aborted) parts.push(`${aborted} incomplete multipart uploads aborted`);
  return `${parts.join(', ')}, ${tail}`;
}

/** A DeleteObjects that answered 200 but refused some keys, shaped like an SDK error of the first refusal. */
function deleteObjectsFailure(total: number, errors: S3ObjectError[]): Error {
  const first = errors[0];
  const code = first?.Code ?? 'Error';
  const message = `${errors.length} of ${total} keys refused, first ${first?.Key ?? '?'}: ${first?.Message ?? code}`;
  return Object.assign(new Error(message), { name: code, Code: code, $metadata: {} });
}

/** Runs `fn` over `items` with at most `limit` at once; the first failure wins after all settle. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * What observe would report of a bucket this create made just now, every setting acknowledged:
 * the spec's settings as S3 hands them back (through the same mapping observe uses). Undefined when
 * only a read can tell: S3 may name a KMS key otherwise than the spec did (alias, id or ARN).
 */
function made(resource: ManagedResource<BucketSpec>, region: string, tags: Record<string, string>, connection: ProviderConnection): Observation<BucketAtProvider> | undefined {
  const { spec } = resource;
  if (spec.encryption?.algorithm === 'aws:kms') return undefined;
  // The access settings are vouched for by a read, not by the create's echo.
  if (spec.policy !== undefined || spec.corsRules || spec.website || spec.objectOwnership || spec.logging || spec.replication) return undefined;
  const observed: ObservedBucket = {
    region,
    tags,
    versioning: spec.versioning ? 'Enabled' : undefined,
    publicAccessBlock: publicAccessBlockFromS3(publicAccessBlockToS3(spec.publicAccessBlock)),
    ...(spec.encryption ? { encryption: encryptionFromS3(encryptionToS3(spec.encryption)) } : {}),
    ...(spec.lifecycleRules ? { lifecycleRules: spec.lifecycleRules.map((r) => lifecycleRuleFromS3(lifecycleRuleToS3(r))) } : {}),
  };
  if (diffBucket(spec, region, observed).length) return undefined;
  const bucket = resource.externalName;
  return {
    exists: true,
    upToDate: true,
    ownershipMark: resource.ownershipMark,
    atProvider: { name: bucket, arn: bucketArn(bucket, region), region },
    connectionDetails: bucketConnectionDetails(bucket, region, connection),
  };
}
