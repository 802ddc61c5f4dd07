// The conformance kit against the RDS Database adapter on the emulator. The oracle describes,
// modifies, creates and deletes DB instances with a raw RDS client.
import { AddTagsToResourceCommand, CreateDBInstanceCommand, CreateDBParameterGroupCommand, DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { RdsInstanceConnector } from '../../providers/aws/index.ts';
import { describeConformance, type Found } from '../../sdk/conformance/index.ts';
import type { DatabaseSpec, ManagedResource } from '../../sdk/index.ts';
import { OWNERSHIP_TAG } from '../../src/api/bucket.ts';
import { DatabaseSpec as DatabaseSchema } from '../../src/api/database.ts';
import { useStack } from '../support/stack.ts';
import { MOTO_ACCEPTS_ANY_CREDENTIALS, deadConnection, emulatorConnection } from './aws.ts';

const stack = useStack(['aws']);
const PARAMETER_GROUPS = ['conformance-walk-a', 'conformance-walk-b'];

describeConformance<DatabaseSpec>('aws RDS Database', async () => {
  const aws = (await stack.ready()).aws!;
  const connection = emulatorConnection(aws, 'conformance-rds');
  const rds = new RDSClient({ endpoint: aws.endpoint, region: aws.region, credentials: connection.credentials! });
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
      spec: DatabaseSchema.parse({ providerConfigRef: { name: 'conformance-rds' }, rds: { skipFinalSnapshot: true, backupRetentionDays: 7 } }),
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
          },
        }];
      },
      async drift(r) {
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
    invalidSpec: (r) => ({ ...r, spec: DatabaseSchema.parse({ providerConfigRef: { name: 'conformance-rds' }, postgres: {} }) }),
    fields: {
      values: {
        'rds.engineVersion': ['16.3', '16.4'],
        'rds.securityGroupIds': [['sg-0123456789abcdef0'], ['sg-0123456789abcdef1']],
        'rds.backupWindow': ['03:00-03:30', '04:00-04:30'],
        'rds.maintenanceWindow': ['sun:05:00-sun:05:30', 'mon:05:00-mon:05:30'],
        // Groups the target makes before the walk: RDS refuses a group that does not exist.
        'rds.parameterGroupName': PARAMETER_GROUPS,
      },
      notSettings: {
        postgres: "the postgres provider's block: with an aws ProviderConfig it is refused before any request (the case 'an invalid spec is Terminal')",
        'rds.skipFinalSnapshot': 'what delete does (checked in providers/aws/rds/instance.test.ts: the snapshot is there after the delete, or not)',
        resetPasswordOnAdopt: "the reconciler's adoption rule: whether it may set a new password on an instance it adopts (src/reconcile/managed.test.ts)",
      },
    },
    skip: {
      'bad credentials are Terminal': MOTO_ACCEPTS_ANY_CREDENTIALS,
      'partial delete resumes': 'the emulator removes a DB instance at once, so every delete finishes in one call; on AWS the instance stays `deleting` and the adapter reports not done until it is gone (providers/aws/rds/instance.ts)',
    },
  };
});
