// The conformance kit against the RDS Database adapter on the emulator. The oracle describes,
// modifies, creates and deletes DB instances with a raw RDS client. It runs twice: through a fault
// proxy of this file's own that plays what moto lacks, RDS Performance Insights (kept from Create
// and Modify, reported in DescribeDBInstances: src/stack/rds-insights.ts), with the oracle reading
// through it too; and straight on moto, as the sandbox's ProviderConfig has it, where Performance
// Insights sets nothing the emulator keeps.
import { after } from 'node:test';
import { AddTagsToResourceCommand, CreateDBInstanceCommand, CreateDBParameterGroupCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { RdsInstanceConnector } from '../../providers/aws/index.ts';
import { describeConformance, type ConformanceTarget, type Found } from '../../sdk/conformance/index.ts';
import type { DatabaseSpec, ManagedResource, ProviderConnection } from '../../sdk/index.ts';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { DatabaseSpec as DatabaseSchema } from '../../src/api/database.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { RdsInsights } from '../../src/stack/rds-insights.ts';
import { useStack } from '../support/stack.ts';
import { MOTO_ACCEPTS_ANY_CREDENTIALS, deadConnection, emulatorConnection } from './aws.ts';

const stack = useStack(['aws']);
const PARAMETER_GROUPS = ['conformance-walk-a', 'conformance-walk-b'];
let proxy: FaultProxy | undefined;
after(() => proxy?.stop());

describeConformance<DatabaseSpec>("aws RDS Database, with AWS's Performance Insights played by a fault proxy", async () => {
  const aws = (await stack.ready()).aws!;
  proxy = await FaultProxy.start(aws.endpoint);
  const insights = new RdsInsights();
  proxy.setRewrite(insights.rewrite);
  return target({ ...emulatorConnection(aws, 'conformance-rds-pi'), endpoint: proxy.endpoint }, insights);
});

describeConformance<DatabaseSpec>('aws RDS Database, straight on the emulator', async () => {
  const aws = (await stack.ready()).aws!;
  return target(emulatorConnection(aws, 'conformance-rds'));
});

/** `insights`: the proxy playing Performance Insights, which the connection and the oracle go through. */
async function target(connection: ProviderConnection, insights?: RdsInsights): Promise<ConformanceTarget<DatabaseSpec>> {
  const aws = stack().aws!;
  const rds = new RDSClient({ endpoint: connection.endpoint, region: aws.region, credentials: connection.credentials! });
  for (const name of PARAMETER_GROUPS) {
    await rds.send(new CreateDBParameterGroupCommand({ DBParameterGroupName: name, DBParameterGroupFamily: 'postgres16', Description: 'conformance walk' })).catch((err: Error) => {
      if (err.name !== 'DBParameterGroupAlreadyExists' && err.name !== 'DBParameterGroupAlreadyExistsFault') throw err;
    });
  }
  const idOf = (r: ManagedResource<DatabaseSpec>) => r.externalName.replace(/_/g, '-');
  const describe = (r: ManagedResource<DatabaseSpec>): Promise<DBInstance | undefined> =>
    rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: idOf(r) })).then((o) => o.DBInstances?.[0], () => undefined);
  const remove = async (r: ManagedResource<DatabaseSpec>) => {
    const found = await describe(r);
    if (!found) return;
    // The field walk leaves deletion protection on.
    if (found.DeletionProtection) await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: idOf(r), DeletionProtection: false, ApplyImmediately: true }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: idOf(r), SkipFinalSnapshot: true }));
  };
  return {
    connector: new RdsInstanceConnector(),
    connection: () => connection,
    resource: (name) => ({
      kind: 'Database', namespace: 'conformance', name, uid: `uid-${name}`, generation: 1, externalName: name.replace(/-/g, '_'),
      ownershipMark: `conformance/conformance/${name}`,
      // A generated password, as the reconciler hands it: the kit searches every error for it too.
      connectionSecret: { password: `pw-${name}-0123456789` },
      spec: DatabaseSchema.parse({ providerConfigRef: { name: connection.name }, rds: { skipFinalSnapshot: true, backupRetentionDays: 7, ...(insights ? { performanceInsights: { enabled: true } } : {}) } }),
    }),
    oracle: {
      async read(r): Promise<Found[]> {
        const i = await describe(r);
        if (!i) return [];
        const mark = i.TagList?.find((t) => t.Key === OWNERSHIP_TAG)?.Value;
        return [{
          mark,
          state: {
            instanceClass: i.DBInstanceClass, storage: i.AllocatedStorage, storageType: i.StorageType, iops: i.Iops, encrypted: i.StorageEncrypted, kmsKeyId: i.KmsKeyId,
            backups: i.BackupRetentionPeriod, engine: i.Engine, engineVersion: i.EngineVersion, deletionProtection: i.DeletionProtection, public: i.PubliclyAccessible,
            multiAZ: i.MultiAZ, backupWindow: i.PreferredBackupWindow, maintenanceWindow: i.PreferredMaintenanceWindow,
            parameterGroups: (i.DBParameterGroups ?? []).map((g) => g.DBParameterGroupName),
            securityGroups: (i.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId).sort(),
            tags: (i.TagList ?? []).filter((t) => t.Key !== OWNERSHIP_TAG).map((t) => `${t.Key}=${t.Value}`).sort(),
            insights: [i.PerformanceInsightsEnabled, i.PerformanceInsightsRetentionPeriod],
          },
        }];
      },
      async drift(r) {
        if (insights) {
          // Turned off in the console: what AWS would then report.
          insights.set(idOf(r), { enabled: false });
          return 'rds.performanceInsights.enabled';
        }
        await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: idOf(r), BackupRetentionPeriod: 1, ApplyImmediately: true }));
        return 'rds.backupRetentionDays';
      },
      remove,
      async plant(r, mark) {
        const created = await rds.send(new CreateDBInstanceCommand({
          DBInstanceIdentifier: idOf(r), Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'someone', MasterUserPassword: 'someone-elses-pw',
        }));
        if (mark) await rds.send(new AddTagsToResourceCommand({ ResourceName: created.DBInstance!.DBInstanceArn!, Tags: [{ Key: OWNERSHIP_TAG, Value: mark }] }));
      },
      cleanup: remove,
    },
    unreachable: (secret) => deadConnection(connection, secret),
    // A postgres block on an RDS ProviderConfig: the adapter refuses it before any request.
    invalidSpec: (r) => ({ ...r, spec: DatabaseSchema.parse({ providerConfigRef: { name: connection.name }, postgres: {} }) }),
    fields: {
      values: {
        'rds.engineVersion': ['16.3', '16.4'],
        'rds.securityGroupIds': [['sg-0123456789abcdef0'], ['sg-0123456789abcdef1']],
        'rds.backupWindow': ['03:00-03:30', '04:00-04:30'],
        'rds.maintenanceWindow': ['sun:05:00-sun:05:30', 'mon:05:00-mon:05:30'],
        // Groups the target makes before the walk: RDS refuses a group that does not exist.
        'rds.parameterGroupName': PARAMETER_GROUPS,
        'rds.performanceInsights.retentionDays': [31, 62],
      },
      // Performance Insights walked off: its retention (only with it on) then from a resource made with it on.
      ...(insights ? { variants: { 'Performance Insights on, a retention named': (spec: DatabaseSpec) => ({ ...spec, rds: { ...spec.rds!, performanceInsights: { enabled: true, retentionDays: 31 } } }) } } : {}),
      notSettings: {
        postgres: "the postgres provider's block: with an aws ProviderConfig it is refused before any request (the case 'an invalid spec is Terminal')",
        'rds.skipFinalSnapshot': 'what delete does (checked in providers/aws/rds/instance.test.ts: the snapshot is there after the delete, or not)',
        resetPasswordOnAdopt: "the reconciler's adoption rule: whether it may set a new password on an instance it adopts (src/reconcile/managed.test.ts)",
        ...(insights ? {} : {
          'rds.performanceInsights': "moto keeps no Performance Insights and reports none, so the adapter compares nothing there (docs/database.md); walked by the run through the fault proxy, which plays RDS's",
        }),
      },
    },
    skip: {
      'bad credentials are Terminal': MOTO_ACCEPTS_ANY_CREDENTIALS,
      'partial delete resumes': 'the emulator removes a DB instance at once, so every delete finishes in one call; on AWS the instance stays `deleting` and the adapter reports not done until it is gone (providers/aws/rds/instance.ts)',
    },
  };
}
