// The RDS Database adapter against the emulator. Claims about the instance are checked through a
// separate raw RDS client (an independent oracle), never through the adapter under test.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, ModifyDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { AdapterError, parseSpec, type DatabaseSpec, type DatabaseSpecInput, type ManagedResource, type ProviderConnection } from '../../../sdk/index.ts';
import { TEST_CREDENTIALS, useMoto, type Moto } from '../testing/moto.ts';
import { finalSnapshotName, RDS_DELETE_POLL_MS, RdsInstanceConnector } from './instance.ts';

const REGION = 'eu-west-1';
const RUN = randomBytes(3).toString('hex');
let serial = 0;
let moto: Moto;
let oracle: RDSClient;
let connection: ProviderConnection;

function resource(input: Partial<DatabaseSpecInput> = {}, password = 'pw-' + randomBytes(8).toString('hex')): ManagedResource<DatabaseSpec> {
  const name = `db_${RUN}_${++serial}`;
  return {
    kind: 'Database', namespace: 'default', name, uid: `uid-${RUN}-${serial}`, generation: 1,
    spec: parseSpec('Database', { providerConfigRef: { name: 'aws' }, ...input }),
    externalName: name, ownershipMark: `test/default/${name}`, connectionSecret: { password },
  };
}
const idOf = (r: ManagedResource<DatabaseSpec>) => r.externalName.replace(/_/g, '-');
const describeRaw = async (id: string) => (await oracle.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0];

before(async () => {
  moto = await useMoto();
  oracle = new RDSClient({ endpoint: moto.endpoint, region: REGION, credentials: TEST_CREDENTIALS });
  connection = { name: 'aws', type: 'aws', region: REGION, endpoint: moto.endpoint, credentials: TEST_CREDENTIALS, settings: {} };
});
after(async () => {
  oracle?.destroy();
  await moto?.stop();
});

describe('RDS Database adapter', () => {
  it('creates a tagged instance with the Secret password; observe reports endpoint, status and connection details', async () => {
    const r = resource({ rds: { backupRetentionDays: 3, tags: { team: 'a' } } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      assert.equal((await client.observe(r)).exists, false);
      await client.create(r);
      await client.create(r); // a retry after a crash: ours already, no error
      const raw = (await describeRaw(idOf(r)))!;
      assert.equal(raw.MasterUsername, 'mooring');
      assert.equal(raw.BackupRetentionPeriod, 3);
      assert.deepEqual(Object.fromEntries((raw.TagList ?? []).map((t) => [t.Key, t.Value])), { team: 'a', 'mooring.dev/owner': r.ownershipMark });
      const o = await client.observe(r);
      assert.equal(o.ownershipMark, r.ownershipMark);
      assert.equal(o.atProvider?.status, raw.DBInstanceStatus);
      if (raw.DBInstanceStatus === 'available') assert.equal(o.upToDate, true, JSON.stringify(o.diff));
      else assert.equal(o.pending?.reason, 'Provisioning');
      assert.equal(o.connectionDetails?.host, raw.Endpoint?.Address);
      assert.equal(o.connectionDetails?.password, r.connectionSecret?.password);
      assert.match(o.connectionDetails?.uri ?? '', /^postgresql:\/\/mooring:pw-[0-9a-f]+@.+:\d+\/postgres$/);
    } finally {
      await client.disconnect();
    }
  });

  it('encrypts the storage by default, with the spec\'s KMS key when it names one', async () => {
    const plain = resource();
    const keyed = resource({ rds: { kmsKeyId: 'alias/team-a' } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      await client.create(plain);
      await client.create(keyed);
      const raw = (await describeRaw(idOf(plain)))!;
      assert.equal(raw.StorageEncrypted, true);
      assert.equal((await describeRaw(idOf(keyed)))?.KmsKeyId, 'alias/team-a');
      const o = await client.observe(plain);
      assert.equal(o.atProvider?.storageEncrypted, true);
      // Fixed at create: an unencrypted spec on an encrypted instance is nothing to modify.
      assert.equal(o.upToDate, true, JSON.stringify(o.diff));
    } finally {
      await client.disconnect();
    }
  });

  it('on an emulator that reports no Performance Insights: created, up to date, and says it cannot see the setting', async () => {
    const r = resource({ rds: { performanceInsights: { enabled: true, retentionDays: 93 } } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      await client.create(r);
      assert.equal((await describeRaw(idOf(r)))?.PerformanceInsightsEnabled, undefined, 'moto keeps no Performance Insights (else this test asks the wrong question)');
      const o = await client.observe(r);
      assert.equal(o.upToDate, true, JSON.stringify(o.diff));
      assert.deepEqual(o.atProvider?.performanceInsights, { reported: false });
    } finally {
      await client.disconnect();
    }
  });

  it('changes the storage type (and the IOPS rate with it) after a spec change', async () => {
    const r = resource({ rds: { storageType: 'gp2' } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      await client.create(r);
      assert.equal((await describeRaw(idOf(r)))?.StorageType, 'gp2');
      const faster = { ...r, generation: 2, spec: parseSpec('Database', { providerConfigRef: { name: 'aws' }, rds: { storageType: 'io1', iops: 3000 } }) };
      const o = await client.observe(faster);
      assert.deepEqual(o.diff?.map((d) => d.path), ['rds.storageType', 'rds.iops']);
      await client.update(faster, o);
      const raw = (await describeRaw(idOf(r)))!;
      assert.equal(raw.StorageType, 'io1');
      assert.equal(raw.Iops, 3000);
      assert.equal((await client.observe(faster)).upToDate, true);
    } finally {
      await client.disconnect();
    }
  });

  it('converges drift made behind its back and rotates the master password', async () => {
    const r = resource({ rds: { backupRetentionDays: 7 } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      await client.create(r);
      await oracle.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: idOf(r), BackupRetentionPeriod: 1, ApplyImmediately: true }));
      const drifted = await client.observe(r);
      assert.deepEqual(drifted.diff?.map((d) => d.path), ['rds.backupRetentionDays']);
      await client.update(r, drifted);
      assert.equal((await describeRaw(idOf(r)))?.BackupRetentionPeriod, 7);
      await client.setCredentials!({ ...r, connectionSecret: { password: 'rotated-password-1' } }, drifted);
    } finally {
      await client.disconnect();
    }
  });

  it('deletes with a final snapshot named after the object, and skips it when asked', async () => {
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      const kept = resource();
      await client.create(kept);
      let result = await client.delete(kept, await client.observe(kept));
      assert.equal(result.done, false);
      assert.deepEqual(result.atProvider, { finalSnapshot: finalSnapshotName(idOf(kept), kept.uid) }, 'the snapshot id goes to status while the instance is deleted');
      for (let i = 0; !result.done && i < 10; i++) {
        const o = await client.observe(kept);
        if (!o.exists) break;
        result = await client.delete(kept, o);
      }
      assert.equal((await client.observe(kept)).exists, false);
      const snapshots = await oracle.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: finalSnapshotName(idOf(kept), kept.uid) }));
      assert.equal(snapshots.DBSnapshots?.[0]?.DBInstanceIdentifier, idOf(kept));

      const skipped = resource({ rds: { skipFinalSnapshot: true } });
      await client.create(skipped);
      await client.delete(skipped, await client.observe(skipped));
      const none = await oracle.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: idOf(skipped) }));
      assert.equal(none.DBSnapshots?.length ?? 0, 0);
    } finally {
      await client.disconnect();
    }
  });

  it('looks again in a while, not at once, while an instance is deleting', async () => {
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      const result = await client.delete(resource(), { exists: true, upToDate: true, atProvider: { status: 'deleting' } });
      assert.equal(result.done, false);
      assert.equal(result.requeueAfterMs, RDS_DELETE_POLL_MS);
      assert.ok(RDS_DELETE_POLL_MS >= 5_000, 'an RDS delete takes minutes: no hot loop');
    } finally {
      await client.disconnect();
    }
  });

  it('refuses to delete an instance whose spec keeps deletion protection on', async () => {
    const r = resource({ rds: { deletionProtection: true } });
    const client = await new RdsInstanceConnector().connect(connection);
    try {
      await client.create(r);
      await assert.rejects(client.delete(r, await client.observe(r)), (err: unknown) => err instanceof AdapterError && err.reason === 'DeletionProtected');
      assert.ok(await describeRaw(idOf(r)));
      // Turned off in the spec: the adapter lifts the protection, then deletes.
      const off = { ...r, spec: parseSpec('Database', { providerConfigRef: { name: 'aws' }, rds: { deletionProtection: false } }) };
      const first = await client.delete(off, await client.observe(off));
      assert.equal(first.done, false);
      await client.delete(off, await client.observe(off));
      assert.equal((await client.observe(off)).exists, false);
    } finally {
      await client.disconnect();
    }
  });

  it('refuses a postgres block or a name RDS cannot take', async () => {
    const client = await new RdsInstanceConnector().connect(connection);
    await assert.rejects(client.observe(resource({ postgres: {} })), (err: unknown) => err instanceof AdapterError && err.reason === 'InvalidSpec');
    await assert.rejects(client.observe({ ...resource(), externalName: 'a__b' }), (err: unknown) => err instanceof AdapterError && err.reason === 'InvalidSpec');
    await client.disconnect();
  });
});
