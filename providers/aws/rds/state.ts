// An RDS DB instance as the Database spec manages it, and how the two compare. Pure.
import type { CreateDBInstanceCommandInput, DBInstance, ModifyDBInstanceCommandInput, Tag } from '@aws-sdk/client-rds';
import { OWNERSHIP_TAG, RdsOptions, type DatabaseAtProvider, type DatabaseSpec, type FieldDiff } from '../../../sdk/index.ts';

/** The master username when the spec names none. */
export const DEFAULT_MASTER_USERNAME = 'mooring';
/** RDS instance identifiers: a letter, then letters, digits and single hyphens, at most 63, no trailing hyphen. */
const INSTANCE_ID = /^[a-z](?:-?[a-z0-9])*$/;

export interface DesiredInstance {
  id: string;
  username: string;
  options: RdsOptions;
}

/** The Database's externalName as an instance identifier (underscores become hyphens); undefined when RDS would refuse it. */
export function instanceId(externalName: string): string | undefined {
  const id = externalName.replace(/_/g, '-');
  return id.length <= 63 && INSTANCE_ID.test(id) ? id : undefined;
}

export function desiredInstance(id: string, spec: DatabaseSpec): DesiredInstance {
  return { id, username: spec.username ?? DEFAULT_MASTER_USERNAME, options: spec.rds ?? RdsOptions.parse({}) };
}

export const tagsFromRds = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key !== undefined).map((t) => [t.Key!, t.Value ?? '']));

/** The user's tags and our mark, as RDS takes them. */
export const tagsToRds = (tags: Record<string, string> | undefined, mark: string): Tag[] =>
  [...Object.entries(tags ?? {}), [OWNERSHIP_TAG, mark]].map(([Key, Value]) => ({ Key, Value }));

/** The database name clients use: the spec's, or the engine's default one. */
export const databaseNameOf = (options: RdsOptions): string => options.databaseName ?? (options.engine === 'postgres' ? 'postgres' : '');

/** Field differences worth a ModifyDBInstance; only meaningful while the instance is available. */
export function diffInstance(desired: DesiredInstance, instance: DBInstance): FieldDiff[] {
  const o = desired.options;
  const diff: FieldDiff[] = [];
  const push = (path: string, observed: unknown, want: unknown) => diff.push({ path, observed, desired: want });
  if (instance.DBInstanceClass !== o.instanceClass) push('rds.instanceClass', instance.DBInstanceClass, o.instanceClass);
  // Storage only grows: a smaller spec than the instance has is not a difference RDS can act on.
  if ((instance.AllocatedStorage ?? 0) < o.allocatedStorageGiB) push('rds.allocatedStorageGiB', instance.AllocatedStorage, o.allocatedStorageGiB);
  if (instance.BackupRetentionPeriod !== o.backupRetentionDays) push('rds.backupRetentionDays', instance.BackupRetentionPeriod, o.backupRetentionDays);
  if (Boolean(instance.DeletionProtection) !== o.deletionProtection) push('rds.deletionProtection', instance.DeletionProtection, o.deletionProtection);
  if (Boolean(instance.PubliclyAccessible) !== o.publiclyAccessible) push('rds.publiclyAccessible', instance.PubliclyAccessible, o.publiclyAccessible);
  // Unset: RDS's default, whatever the instance has. Encryption and its key are fixed at create
  // (immutable in the schema): nothing a ModifyDBInstance could change, so never a difference.
  if (Boolean(instance.MultiAZ) !== o.multiAZ) push('rds.multiAZ', instance.MultiAZ, o.multiAZ);
  // Unset windows and parameter group: RDS's choice, whatever the instance has.
  if (o.backupWindow && instance.PreferredBackupWindow !== o.backupWindow) push('rds.backupWindow', instance.PreferredBackupWindow, o.backupWindow);
  if (o.maintenanceWindow && instance.PreferredMaintenanceWindow?.toLowerCase() !== o.maintenanceWindow) push('rds.maintenanceWindow', instance.PreferredMaintenanceWindow, o.maintenanceWindow);
  const group = instance.DBParameterGroups?.[0]?.DBParameterGroupName;
  if (o.parameterGroupName && group !== o.parameterGroupName) push('rds.parameterGroupName', group, o.parameterGroupName);
  if (o.storageType && instance.StorageType !== o.storageType) push('rds.storageType', instance.StorageType, o.storageType);
  if (o.iops !== undefined && instance.Iops !== o.iops) push('rds.iops', instance.Iops, o.iops);
  if (o.engineVersion && instance.EngineVersion !== o.engineVersion) push('rds.engineVersion', instance.EngineVersion, o.engineVersion);
  if (o.securityGroupIds) {
    const observed = (instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort();
    if (JSON.stringify(observed) !== JSON.stringify([...o.securityGroupIds].sort())) push('rds.securityGroupIds', observed, o.securityGroupIds);
  }
  diff.push(...diffInsights(o.performanceInsights, instance));
  if (o.tags) {
    const observed = tagsFromRds(instance.TagList);
    delete observed[OWNERSHIP_TAG];
    for (const k of Object.keys(observed)) if (k.startsWith('aws:')) delete observed[k];
    if (JSON.stringify(Object.entries(observed).sort()) !== JSON.stringify(Object.entries(o.tags).sort())) push('rds.tags', observed, o.tags);
  }
  return diff;
}

type Insights = RdsOptions['performanceInsights'];

/**
 * Whether the cloud reports Performance Insights at all: AWS's DescribeDBInstances always carries
 * PerformanceInsightsEnabled; an emulator that keeps none (moto) leaves it out. Then nothing can be
 * compared, and a difference would never be seen to go away: the spec's setting is sent at create only.
 */
export const insightsReported = (instance: DBInstance): boolean => instance.PerformanceInsightsEnabled !== undefined;

/** Performance Insights differences: on or off, then the retention when the spec names one. The key is fixed (the schema), never compared. */
export function diffInsights(want: Insights, instance: DBInstance): FieldDiff[] {
  if (!want || !insightsReported(instance)) return [];
  const on = instance.PerformanceInsightsEnabled === true;
  if (on !== want.enabled) return [{ path: 'rds.performanceInsights.enabled', observed: on, desired: want.enabled }];
  const retention = instance.PerformanceInsightsRetentionPeriod;
  if (want.enabled && want.retentionDays !== undefined && retention !== want.retentionDays) {
    return [{ path: 'rds.performanceInsights.retentionDays', observed: retention, desired: want.retentionDays }];
  }
  return [];
}

/** What status.atProvider shows: RDS's report, or that there is none while the spec asks for a setting. */
export function observedInsights(want: Insights, instance: DBInstance): DatabaseAtProvider['performanceInsights'] {
  if (!insightsReported(instance)) return want ? { reported: false } : undefined;
  const on = instance.PerformanceInsightsEnabled === true;
  return {
    reported: true,
    enabled: on,
    ...(on && instance.PerformanceInsightsRetentionPeriod !== undefined ? { retentionDays: instance.PerformanceInsightsRetentionPeriod } : {}),
    ...(on && instance.PerformanceInsightsKMSKeyId ? { kmsKeyId: instance.PerformanceInsightsKMSKeyId } : {}),
  };
}

/**
 * The ModifyDBInstance parameters for the Performance Insights differences: turning on carries the
 * retention and the key (RDS takes a key only then); a retention change keeps it on; off is off.
 */
export function insightsChange(want: Insights, changed: ReadonlySet<string>): Pick<ModifyDBInstanceCommandInput, 'EnablePerformanceInsights' | 'PerformanceInsightsRetentionPeriod' | 'PerformanceInsightsKMSKeyId'> {
  if (!want || (!changed.has('rds.performanceInsights.enabled') && !changed.has('rds.performanceInsights.retentionDays'))) return {};
  if (!want.enabled) return { EnablePerformanceInsights: false };
  return {
    EnablePerformanceInsights: true,
    ...(want.retentionDays === undefined ? {} : { PerformanceInsightsRetentionPeriod: want.retentionDays }),
    ...(changed.has('rds.performanceInsights.enabled') && want.kmsKeyId ? { PerformanceInsightsKMSKeyId: want.kmsKeyId } : {}),
  };
}

/** The CreateDBInstance parameters: only what the spec says, so an unset block leaves RDS's default. */
export function insightsAtCreate(want: Insights): Pick<CreateDBInstanceCommandInput, 'EnablePerformanceInsights' | 'PerformanceInsightsRetentionPeriod' | 'PerformanceInsightsKMSKeyId'> {
  if (!want) return {};
  return {
    EnablePerformanceInsights: want.enabled,
    ...(want.enabled && want.retentionDays !== undefined ? { PerformanceInsightsRetentionPeriod: want.retentionDays } : {}),
    ...(want.enabled && want.kmsKeyId ? { PerformanceInsightsKMSKeyId: want.kmsKeyId } : {}),
  };
}
