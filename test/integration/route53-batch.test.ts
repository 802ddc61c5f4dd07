// The Route 53 adapter's batched writes on the emulator, through a fault proxy of this file's own
// (no faults; it counts requests and plays Route 53's CREATE/DELETE guards, which moto lacks):
// records created and deleted together cost one change call and no read per batch, and a plan
// resting on a stale listing fails safe, touching nothing it does not own (issue 8).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { RecordConnector } from '../../providers/aws/index.ts';
import { settle } from '../../sdk/conformance/drive.ts';
import { ConflictError, type DNSRecordSpec, type ExternalClient, type ManagedResource } from '../../sdk/index.ts';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import { emulatorConnection } from '../conformance/aws.ts';
import { recordResource } from '../conformance/dns.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['aws']);
const ZONE = `batch-${randomBytes(3).toString('hex')}.test.`;
const TIMEOUT = 30_000;
let proxy: FaultProxy;
let r53: Route53Client;
let zoneId: string;
let client: ExternalClient<DNSRecordSpec, Record<string, unknown>>;

before(async () => {
  const aws = (await stack.ready()).aws!;
  proxy = await FaultProxy.start(aws.endpoint);
  // The proxy plays Route 53's change guards, so the adapter plans on what it knows, as on AWS.
  const connection = { ...emulatorConnection(aws, 'batch-r53'), endpoint: proxy.endpoint, settings: { forcePathStyle: 'true', route53ChangeGuards: 'true' } };
  r53 = new Route53Client({ endpoint: aws.endpoint, region: aws.region, credentials: connection.credentials! });
  zoneId = (await r53.send(new CreateHostedZoneCommand({ Name: ZONE, CallerReference: ZONE }))).HostedZone!.Id!.replace('/hostedzone/', '');
  client = await new RecordConnector({ batch: { windowMs: 50 } }).connect(connection);
});
after(async () => {
  r53?.destroy();
  await proxy?.stop();
});

const resource = (name: string) => recordResource(name, ZONE, 'batch-r53');
const changeCalls = () => proxy.stats().byAction['route53:ChangeResourceRecordSets'] ?? 0;
const listCalls = () => proxy.stats().byAction['route53:ListResourceRecordSets'] ?? 0;
const upsert = (rs: ResourceRecordSet) => r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: rs }] } }));
const live = async (name: string, type: string) => {
  const page = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, StartRecordType: type as never, MaxItems: 1 }));
  const rs = page.ResourceRecordSets?.[0];
  return rs?.Name === name && rs.Type === type ? (rs.ResourceRecords ?? []).map((r) => r.Value) : undefined;
};
const created = async (r: ManagedResource<DNSRecordSpec>) => {
  await client.create(r);
  const o = await settle(client, r, TIMEOUT);
  assert.ok(o.exists && o.upToDate, `${r.name} exists as wanted`);
  return o;
};

describe('Route 53 batched writes', () => {
  it('creates 20 records in one change call, observes them after the write with no read, and deletes them in one more', async () => {
    const records = Array.from({ length: 20 }, (_, i) => resource(`many${i}`));
    // The zone read once, by the observes before the create.
    const before = await Promise.all(records.map((r) => client.observe(r)));
    assert.ok(before.every((o) => !o.exists));
    proxy.resetStats();
    await Promise.all(records.map((r) => client.create(r)));
    const after = await Promise.all(records.map((r) => settle(client, r, TIMEOUT)));
    assert.ok(after.every((o, i) => o.exists && o.upToDate && o.ownershipMark === records[i]!.ownershipMark));
    assert.equal(changeCalls(), 1, 'one ChangeResourceRecordSets for the 20 records and their ownership records');
    assert.equal(listCalls(), 0, 'planned and observed from the listing our own write kept true');
    for (const r of records) assert.deepEqual(await live(`${r.spec.name}.${ZONE}`, 'A'), ['192.0.2.1']);

    proxy.resetStats();
    const results = await Promise.all(records.map((r, i) => client.delete(r, after[i]!)));
    assert.ok(results.every((d) => !d.done));
    const gone = await Promise.all(records.map((r) => settle(client, r, TIMEOUT)));
    assert.ok(gone.every((o) => !o.exists));
    assert.equal(changeCalls(), 1, 'one ChangeResourceRecordSets deletes the 20');
    assert.equal(listCalls(), 0);
    for (const r of records) assert.equal(await live(`${r.spec.name}.${ZONE}`, 'A'), undefined);
  });

  it('a CREATE planned on a stale listing is refused, planned again on a fresh one, and fails Conflict: what appeared is left as it is', async () => {
    await created(resource('known'));
    const r = resource('appeared');
    const name = `${r.spec.name}.${ZONE}`;
    // Made behind the adapter's back after its last listing: its known state says the name is free.
    await upsert({ Name: name, Type: 'A', TTL: 300, ResourceRecords: [{ Value: '198.51.100.7' }] });
    proxy.resetStats();
    await client.create(r);
    await assert.rejects(settle(client, r, TIMEOUT), (err: unknown) => err instanceof ConflictError && /appeared, without an ownership record/.test(err.message));
    assert.equal(proxy.stats().faults.strictRoute53, 1, "Route 53's guard refused the stale CREATE");
    assert.equal(listCalls(), 1, 'one fresh listing after the refusal');
    assert.deepEqual(await live(name, 'A'), ['198.51.100.7'], 'untouched');
    assert.equal(await live(`_mooring-a.${name}`, 'TXT'), undefined, 'no ownership record written beside it');
  });

  it('a delete planned on a stale listing is refused when the ownership record changed hands: nothing is deleted', async () => {
    const r = resource('taken');
    const observation = await created(r);
    const name = `${r.spec.name}.${ZONE}`;
    await upsert({ Name: `_mooring-a.${name}`, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"someone/else/taken"' }] });
    proxy.resetStats();
    await client.delete(r, observation);
    await assert.rejects(settle(client, r, TIMEOUT), (err: unknown) => err instanceof ConflictError && /became owned by someone\/else\/taken/.test(err.message));
    assert.equal(proxy.stats().faults.strictRoute53, 1, 'the DELETE of our ownership record as it was read was refused');
    assert.deepEqual(await live(name, 'A'), ['192.0.2.1'], 'the record set is still there');
    assert.deepEqual(await live(`_mooring-a.${name}`, 'TXT'), ['"someone/else/taken"']);
  });
});
