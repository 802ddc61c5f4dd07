// The RDS Database adapter: one DB instance, tagged with our ownership mark. An instance takes
// minutes to become available; meanwhile observe reports it pending (Provisioning) with RDS's status,
// and the reconciler waits. The master password is the connection Secret's (written there before
// the create), or RDS's own in Secrets Manager when the spec asks for it. Delete takes a final
// snapshot unless the spec skips it. How the spec compares is in state.ts.
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  type DBInstance,
  type ModifyDBInstanceCommandInput,
} from '@aws-sdk/client-rds';
import {
  AdapterError,
  ConflictError,
  OWNERSHIP_TAG,
  RetryableError,
  TerminalError,
  type Connector,
  type DatabaseAtProvider,
  type DatabaseSpec,
  type DeleteResult,
  type ExternalClient,
  type ManagedResource,
  type Observation,
  type ProviderConnection,
} from '../../../sdk/index.ts';
import { AwsReason } from '../common/classify.ts';
import { AwsCaller, awsClientConfig, awsSettings, type Expected } from '../common/client.ts';
import { ClientPool } from '../common/pool.ts';
import { databaseNameOf, desiredInstance, diffInstance, insightsAtCreate, insightsChange, instanceId, observedInsights, tagsFromRds, tagsToRds, type DesiredInstance } from './state.ts';

/** How soon to look again while an instance is deleting or too busy to be deleted. */
export const RDS_DELETE_POLL_MS = 10_000;

const GONE = Symbol('gone');
const gone = (): typeof GONE => GONE;
const NOT_FOUND = { DBInstanceNotFound: gone, DBInstanceNotFoundFault: gone } as const;

const busy = (): 'busy' => 'busy';
/** DeleteDBInstance's expected answers: already gone, or in a state that cannot be deleted yet. */
const DELETE_OUTCOMES: Expected<typeof GONE | 'busy'> = { ...NOT_FOUND, InvalidDBInstanceState: busy, InvalidDBInstanceStateFault: busy };

/** The final snapshot's name: stable across retries of one delete, distinct per Database object. */
export const finalSnapshotName = (id: string, uid: string): string => `${id}-final-${uid.replace(/[^a-z0-9]/gi, '').slice(0, 8).toLowerCase()}`;

export class RdsInstanceConnector implements Connector<DatabaseSpec, DatabaseAtProvider> {
  private readonly clients = new ClientPool((connection) => new RDSClient(awsClientConfig(connection)));

  async connect(connection: ProviderConnection): Promise<ExternalClient<DatabaseSpec, DatabaseAtProvider>> {
    awsSettings(connection); // a bad ProviderConfig fails here, before any request
    return new RdsInstanceClient(connection, this.clients.get(connection));
  }
}

class RdsInstanceClient implements ExternalClient<DatabaseSpec, DatabaseAtProvider> {
  private readonly rds: RDSClient;
  private readonly aws: AwsCaller;

  constructor(connection: ProviderConnection, rds: RDSClient) {
    this.rds = rds;
    this.aws = new AwsCaller(connection.limiter?.('rds'));
  }

  async observe(resource: ManagedResource<DatabaseSpec>): Promise<Observation<DatabaseAtProvider>> {
    const desired = this.desired(resource);
    const instance = await this.describe(desired.id);
    if (!instance) return { exists: false, upToDate: false };
    const status = instance.DBInstanceStatus ?? 'unknown';
    const available = status === 'available';
    // Differences only count once RDS will accept a change; until then the reconciler waits.
    const diff = available ? diffInstance(desired, instance) : [];
    const atProvider: DatabaseAtProvider = {
      arn: instance.DBInstanceArn,
      status,
      host: instance.Endpoint?.Address,
      port: instance.Endpoint?.Port,
      database: databaseNameOf(desired.options) || undefined,
      username: instance.MasterUsername,
      engineVersion: instance.EngineVersion,
      storageEncrypted: instance.StorageEncrypted,
      performanceInsights: observedInsights(desired.options.performanceInsights, instance),
    };
    return {
      exists: true,
      upToDate: diff.length === 0,
      ownershipMark: tagsFromRds(instance.TagList)[OWNERSHIP_TAG],
      atProvider: Object.fromEntries(Object.entries(atProvider).filter(([, v]) => v !== undefined)),
      connectionDetails: this.connectionDetails(desired, instance, resource.connectionSecret?.password),
      ...(diff.length ? { diff } : {}),
      ...(available ? {} : { pending: { reason: 'Provisioning', message: `RDS status: ${status}` } }),
    };
  }

  async create(resource: ManagedResource<DatabaseSpec>): Promise<void> {
    const desired = this.desired(resource);
    const o = desired.options;
    const password = this.masterPassword(resource, desired);
    const created = await this.aws.call(`RDS CreateDBInstance ${desired.id}`, () => this.rds.send(new CreateDBInstanceCommand({
      DBInstanceIdentifier: desired.id,
      Engine: o.engine,
      EngineVersion: o.engineVersion,
      DBInstanceClass: o.instanceClass,
      AllocatedStorage: o.allocatedStorageGiB,
      StorageType: o.storageType,
      Iops: o.iops,
      // Said out loud: RDS encrypts nothing unless asked.
      StorageEncrypted: o.storageEncrypted,
      KmsKeyId: o.kmsKeyId,
      DBName: o.databaseName,
      MasterUsername: desired.username,
      ...(password === undefined ? { ManageMasterUserPassword: true } : { MasterUserPassword: password }),
      DBSubnetGroupName: o.subnetGroupName,
      VpcSecurityGroupIds: o.securityGroupIds,
      BackupRetentionPeriod: o.backupRetentionDays,
      PreferredBackupWindow: o.backupWindow,
      PreferredMaintenanceWindow: o.maintenanceWindow,
      MultiAZ: o.multiAZ,
      DBParameterGroupName: o.parameterGroupName,
      DeletionProtection: o.deletionProtection,
      PubliclyAccessible: o.publiclyAccessible,
      ...insightsAtCreate(o.performanceInsights),
      Tags: tagsToRds(o.tags, resource.ownershipMark),
    })), { DBInstanceAlreadyExists: () => false as const, DBInstanceAlreadyExistsFault: () => false as const });
    if (created !== false) return;
    // Already there: ours after a crash between RDS's "created" and our record, or someone else's.
    const existing = await this.describe(desired.id);
    const mark = existing && tagsFromRds(existing.TagList)[OWNERSHIP_TAG];
    if (mark !== resource.ownershipMark) {
      throw new ConflictError(AwsReason.Conflict, `the DB instance ${desired.id} appeared while it was being created (${mark ? `owned by ${mark}` : 'without our mark'}); observing again`);
    }
  }

  async update(resource: ManagedResource<DatabaseSpec>, observation: Observation<DatabaseAtProvider>): Promise<void> {
    const desired = this.desired(resource);
    const o = desired.options;
    const changed = new Set((observation.diff ?? []).map((d) => d.path));
    const modify: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: desired.id, ApplyImmediately: true };
    if (changed.has('rds.instanceClass')) modify.DBInstanceClass = o.instanceClass;
    if (changed.has('rds.allocatedStorageGiB')) modify.AllocatedStorage = o.allocatedStorageGiB;
    // A storage change carries the whole storage shape: RDS refuses io1/io2 without their rate.
    if (changed.has('rds.storageType') || changed.has('rds.iops')) {
      if (o.storageType) modify.StorageType = o.storageType;
      if (o.iops !== undefined) modify.Iops = o.iops;
    }
    if (changed.has('rds.backupRetentionDays')) modify.BackupRetentionPeriod = o.backupRetentionDays;
    if (changed.has('rds.backupWindow')) modify.PreferredBackupWindow = o.backupWindow;
    if (changed.has('rds.maintenanceWindow')) modify.PreferredMaintenanceWindow = o.maintenanceWindow;
    if (changed.has('rds.multiAZ')) modify.MultiAZ = o.multiAZ;
    if (changed.has('rds.parameterGroupName')) modify.DBParameterGroupName = o.parameterGroupName;
    if (changed.has('rds.deletionProtection')) modify.DeletionProtection = o.deletionProtection;
    if (changed.has('rds.publiclyAccessible')) modify.PubliclyAccessible = o.publiclyAccessible;
    if (changed.has('rds.securityGroupIds')) modify.VpcSecurityGroupIds = o.securityGroupIds;
    if (changed.has('rds.engineVersion')) {
      modify.EngineVersion = o.engineVersion;
      modify.AllowMajorVersionUpgrade = true;
    }
    Object.assign(modify, insightsChange(o.performanceInsights, changed));
    if (Object.keys(modify).length > 2) await this.modify(desired.id, modify);
    await this.writeTags(resource, desired, observation);
  }

  async setCredentials(resource: ManagedResource<DatabaseSpec>): Promise<void> {
    const desired = this.desired(resource);
    const password = this.masterPassword(resource, desired);
    if (password === undefined) return; // RDS manages it; nothing of ours to set
    await this.modify(desired.id, { DBInstanceIdentifier: desired.id, MasterUserPassword: password, ApplyImmediately: true }, true);
  }

  /** RDS takes minutes to delete an instance (longer with a final snapshot): look every so often, not at once. */
  async delete(resource: ManagedResource<DatabaseSpec>, observation: Observation<DatabaseAtProvider>): Promise<DeleteResult> {
    const desired = this.desired(resource);
    const snapshot = desired.options.skipFinalSnapshot ? undefined : finalSnapshotName(desired.id, resource.uid);
    // The snapshot id in status: where to find the data once the instance is gone.
    const facts = snapshot ? { atProvider: { finalSnapshot: snapshot } } : {};
    const status = observation.atProvider?.status;
    if (status === 'deleting') return { done: false, progress: `RDS status: deleting${snapshot ? `; final snapshot ${snapshot}` : ''}`, requeueAfterMs: RDS_DELETE_POLL_MS, ...facts };
    const instance = await this.describe(desired.id);
    if (!instance) return { done: true };
    if (instance.DeletionProtection) {
      if (desired.options.deletionProtection) {
        throw new TerminalError(AwsReason.DeletionProtected, `the DB instance ${desired.id} has deletion protection; set spec.rds.deletionProtection: false to delete it, or deletionPolicy: Retain to keep it`);
      }
      await this.modify(desired.id, { DBInstanceIdentifier: desired.id, DeletionProtection: false, ApplyImmediately: true });
      return { done: false, progress: 'deletion protection turned off; deleting next' };
    }
    const result = await this.aws.call(`RDS DeleteDBInstance ${desired.id}`, () => this.rds.send(new DeleteDBInstanceCommand({
      DBInstanceIdentifier: desired.id,
      ...(snapshot ? { FinalDBSnapshotIdentifier: snapshot } : { SkipFinalSnapshot: true }),
    })), DELETE_OUTCOMES);
    if (result === GONE) return { done: true };
    if (result === 'busy') return { done: false, progress: `RDS status: ${instance.DBInstanceStatus ?? 'unknown'}; deleting once it allows`, requeueAfterMs: RDS_DELETE_POLL_MS };
    return { done: false, progress: snapshot ? `RDS status: deleting; final snapshot ${snapshot}` : 'RDS status: deleting; no final snapshot', requeueAfterMs: RDS_DELETE_POLL_MS, ...facts };
  }

  /** The SDK client stays with the connector, for the next pass. */
  async disconnect(): Promise<void> {}

  // --- helpers ---------------------------------------------------------------------------------

  private desired(resource: ManagedResource<DatabaseSpec>): DesiredInstance {
    if (resource.spec.postgres) {
      throw new TerminalError(AwsReason.InvalidSpec, 'spec.postgres is set, but the ProviderConfig is of type aws (RDS); use spec.rds, or a ProviderConfig of type postgres');
    }
    const id = instanceId(resource.externalName);
    if (!id) {
      throw new TerminalError(AwsReason.InvalidSpec, `${resource.externalName} does not make an RDS instance identifier (a letter, then letters, digits and single separators, at most 63); set spec.externalName`);
    }
    return desiredInstance(id, resource.spec);
  }

  /** The Secret's generated password; undefined when RDS manages it. */
  private masterPassword(resource: ManagedResource<DatabaseSpec>, desired: DesiredInstance): string | undefined {
    if (desired.options.manageMasterUserPassword) return undefined;
    const password = resource.connectionSecret?.password;
    if (!password) throw new TerminalError(AwsReason.ProviderError, `no password in the connection Secret of ${resource.namespace}/${resource.name}; the reconciler writes one before this call`);
    return password;
  }

  private async describe(id: string): Promise<DBInstance | undefined> {
    const out = await this.aws.call(`RDS DescribeDBInstances ${id}`, () => this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })), NOT_FOUND);
    return out === GONE ? undefined : out.DBInstances?.[0];
  }

  /** `secret`: the input holds a password, so AWS's message stays out of ours. */
  private async modify(id: string, input: ModifyDBInstanceCommandInput, secret = false): Promise<void> {
    const conflict = () => {
      throw new ConflictError(AwsReason.Conflict, `the DB instance ${id} is not available for a change right now; observing again`);
    };
    try {
      await this.aws.call(`RDS ModifyDBInstance ${id}`, () => this.rds.send(new ModifyDBInstanceCommand(input)), {
        InvalidDBInstanceState: conflict,
        InvalidDBInstanceStateFault: conflict,
      });
    } catch (err) {
      if (!secret || !(err instanceof AdapterError)) throw err;
      // Same kind and reason, without AWS's words or the cause: the request held the password.
      const Kind = err.kind === 'Terminal' ? TerminalError : err.kind === 'Conflict' ? ConflictError : RetryableError;
      throw new Kind(err.reason, `RDS ModifyDBInstance ${id} (master password) failed (${err.reason})`, {
        throttled: err.throttled,
        ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      });
    }
  }

  private async writeTags(resource: ManagedResource<DatabaseSpec>, desired: DesiredInstance, observation: Observation<DatabaseAtProvider>): Promise<void> {
    const arn = observation.atProvider?.arn;
    if (!arn) return;
    const { tags } = desired.options;
    await this.aws.call(`RDS AddTagsToResource ${desired.id}`, () => this.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagsToRds(tags, resource.ownershipMark) })));
    const stale = (observation.diff ?? []).find((d) => d.path === 'rds.tags');
    const extra = Object.keys((stale?.observed as Record<string, string> | undefined) ?? {}).filter((k) => !(k in (tags ?? {})));
    if (extra.length) {
      await this.aws.call(`RDS RemoveTagsFromResource ${desired.id}`, () => this.rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: extra })));
    }
  }

  private connectionDetails(desired: DesiredInstance, instance: DBInstance, password: string | undefined): Record<string, string> {
    const details: Record<string, string> = { username: instance.MasterUsername ?? desired.username };
    const host = instance.Endpoint?.Address;
    const port = instance.Endpoint?.Port;
    const database = databaseNameOf(desired.options);
    if (host) details.host = host;
    if (port) details.port = String(port);
    if (database) details.database = database;
    const secretArn = instance.MasterUserSecret?.SecretArn;
    if (secretArn) details.masterUserSecretArn = secretArn;
    if (password && !desired.options.manageMasterUserPassword) {
      details.password = password;
      if (host && port) {
        const scheme = desired.options.engine === 'postgres' ? 'postgresql' : 'mysql';
        details.uri = `${scheme}://${encodeURIComponent(details.username!)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
      }
    }
    return details;
  }
}
