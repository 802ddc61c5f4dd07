// Crash recovery without a human, for every kind (issue 10). A create is marked pending on the
// object (mooring.dev/create-pending) before the cloud call; an operator that dies after the cloud
// acted leaves that mark and an asset behind. These tests build exactly that state, deterministically
// (test/integration/crash.test.ts kills a real process for Bucket), then start the operator: it
// must find the asset by its ownership mark, take it as its own, end Ready with the mark cleared,
// and never make a second asset. The half-written asset is also covered where a kind can leave one
// (a bucket or a PostgreSQL database created but not yet marked).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { CreateBucketCommand, GetBucketTaggingCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { GROUP, VERSION } from '../../src/api/common.ts';
import { OPERATOR_KEY_SECRET } from '../../src/kube/operator-key.ts';
import { PendingMarkSigner } from '../../src/reconcile/pending.ts';
import pg from 'pg';
import { CREATE_PENDING, FINALIZER, PAUSED, type ManagedObject } from '../../src/reconcile/types.ts';
import { condition, emulatorClientConfig, emulatorS3, eventually, markOf, objects, postgresAdmin, postgresProviderConfig, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
let kc: KubeConfig;
let ns: string;
let awsPc: string;
let pgPc: string;
let s3: S3Client;
let r53: Route53Client;
let rds: RDSClient;
let admin: pg.Pool;
let operator: RunningOperator | undefined;

before(async () => {
  ({ kc, ns, pc: awsPc } = await prepare(stack));
  pgPc = await postgresProviderConfig(kc, uniq('pg'), { url: stack().postgres!.url });
  const config = emulatorClientConfig(stack());
  s3 = emulatorS3(stack());
  r53 = new Route53Client(config);
  rds = new RDSClient(config);
  admin = postgresAdmin(stack());
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns, body: { metadata: { name: OPERATOR_KEY_SECRET }, data: { key: KEY.toString('base64') } } });
});
after(async () => {
  await operator?.stop();
  s3?.destroy();
  r53?.destroy();
  rds?.destroy();
  await admin?.end();
});


/** The operator's key, as the crashed operator left it in its key Secret (the next one reads it). */
const KEY = randomBytes(32);

/**
 * Creates the object as a crashed operator leaves it: finalizer on, create marked pending with a
 * mark signed for its uid, no status. Created paused and unpaused with the mark in one patch, so a
 * running operator never sees it half made; meanwhile `leftInCloud` makes what the crashed create
 * left, given the ownership mark the object's uid gives it.
 */
async function createCrashed(plural: string, name: string, spec: Record<string, unknown>, leftInCloud: (mark: string) => Promise<unknown>): Promise<string> {
  const o = await objects(kc, plural).create(ns, name, spec, { finalizers: [FINALIZER], annotations: { [PAUSED]: 'true' } });
  const mark = await markOf(kc, plural, ns, name);
  await leftInCloud(mark);
  const annotations = { [PAUSED]: null, [CREATE_PENDING]: new PendingMarkSigner(KEY).sign(o.metadata.uid) };
  await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural, namespace: ns, name, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return mark;
}

/**
 * Starts the operator (once) and waits for the object to recover: Ready, and the pending mark gone
 * or void (a v2 mark is borne out by status.lastChecked at or after its signing: src/reconcile/pending.ts).
 */
async function recovered(plural: string, name: string, timeoutMs = 60_000): Promise<ManagedObject> {
  operator ??= await startOperator(stack(), { namespace: ns, keyNamespace: ns, backoffBaseMs: 1000 });
  return eventually(async () => {
    const o = await objects(kc, plural).get(ns, name);
    const mark = o.metadata.annotations?.[CREATE_PENDING];
    const void_ = !mark || (mark.startsWith('v2.') && Date.parse(o.status?.lastChecked ?? '') >= Number(mark.split('.')[1]));
    return condition(o, 'Ready')?.status === 'True' && void_ ? o : undefined;
  }, `${plural}/${name} recovered`, timeoutMs, async () => JSON.stringify(await objects(kc, plural).get(ns, name)));
}

describe('crash recovery: a pending create whose asset exists', () => {
  it('Bucket created but not yet tagged: taken as ours, tagged, one bucket', async () => {
    const name = uniq('rec-bkt');
    const mark = await createCrashed('buckets', name, { providerConfigRef: { name: awsPc }, tags: { team: 'x' } }, () => s3.send(new CreateBucketCommand({ Bucket: name })));
    await recovered('buckets', name);
    const tags = ((await s3.send(new GetBucketTaggingCommand({ Bucket: name }))).TagSet ?? []).map((t) => `${t.Key}=${t.Value}`).sort();
    assert.deepEqual(tags, [`mooring.dev/owner=${mark}`, 'team=x']);
    const all = (await s3.send(new ListBucketsCommand({}))).Buckets ?? [];
    assert.equal(all.filter((b) => b.Name === name).length, 1);
  });

  it('DNSRecord written with its ownership record: recognised by the mark, no duplicate change', async () => {
    const zone = `${uniq('rec')}.test.`;
    const zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: zone, CallerReference: uniq('ref') }))).HostedZone!.Id!.replace('/hostedzone/', '');
    const name = uniq('rec-dns');
    // One batch, as the adapter writes them: the record and its ownership TXT together.
    await createCrashed('dnsrecords', name, { providerConfigRef: { name: awsPc }, zone: { name: zone }, name: 'www', type: 'A', ttl: 300, values: ['192.0.2.10'] }, (mark) =>
      r53.send(new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Changes: [
          { Action: 'CREATE', ResourceRecordSet: { Name: `www.${zone}`, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.10' }] } },
          { Action: 'CREATE', ResourceRecordSet: { Name: `_mooring-a.www.${zone}`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: `"${mark}"` }] } },
        ] },
      })));
    const r = await recovered('dnsrecords', name);
    assert.equal(r.status?.atProvider?.hostedZoneId, zoneId);
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }))).ResourceRecordSets ?? [];
    assert.deepEqual(sets.filter((s) => s.Name === `www.${zone}`).map((s) => s.ResourceRecords?.map((v) => v.Value)), [['192.0.2.10']]);
  });

  it('PostgreSQL database created but not yet marked (its role was, in the same transaction): marked, Secret logs in', async () => {
    const name = uniq('rec-pg');
    const db = name.replace(/-/g, '_');
    // What create leaves when it dies between CREATE DATABASE and COMMENT ON DATABASE.
    const mark = await createCrashed('databases', name, { providerConfigRef: { name: pgPc } }, async (m) => {
      await admin.query(`CREATE ROLE ${pg.escapeIdentifier(db)} LOGIN`);
      await admin.query(`COMMENT ON ROLE ${pg.escapeIdentifier(db)} IS ${pg.escapeLiteral(m)}`);
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(db)} OWNER ${pg.escapeIdentifier(db)}`);
    });
    await recovered('databases', name);
    const comment = await admin.query<{ c: string }>(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [db]);
    assert.equal(comment.rows[0]?.c, mark);
    // The password the operator set is the one in the Secret: the login works.
    const secret = await eventually(async () => {
      const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: `${name}-connection` }).catch(() => undefined);
      return s?.data?.uri && !s.metadata?.annotations?.['mooring.dev/credentials-pending'] ? s : undefined;
    }, 'the connection Secret with its credentials applied', 30_000, async () => {
      const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: `${name}-connection` }).catch((e: Error) => e.message);
      const o = await objects(kc, 'databases').get(ns, name);
      return JSON.stringify({ secret: typeof s === 'string' ? s : { keys: Object.keys(s.data ?? {}), annotations: s.metadata?.annotations }, status: o.status });
    });
    const client = new pg.Client({ connectionString: Buffer.from(secret.data!.uri!, 'base64').toString('utf8') });
    await client.connect();
    assert.equal((await client.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d, db);
    await client.end();
  });

  it('RDS instance created with its ownership tag: recognised, its credentials set, one instance', async () => {
    const name = uniq('rec-rds');
    await createCrashed('databases', name, { providerConfigRef: { name: awsPc }, rds: { engine: 'postgres', instanceClass: 'db.t3.micro' } }, (mark) =>
      rds.send(new CreateDBInstanceCommand({
        DBInstanceIdentifier: name, Engine: 'postgres', DBInstanceClass: 'db.t3.micro', AllocatedStorage: 20, MasterUsername: 'mooring',
        MasterUserPassword: 'lost-with-the-crash', Tags: [{ Key: 'mooring.dev/owner', Value: mark }],
      })));
    const d = await recovered('databases', name);
    assert.equal(d.status?.atProvider?.status, 'available');
    const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    assert.equal(instances.filter((i) => i.DBInstanceIdentifier === name).length, 1);
  });
});
