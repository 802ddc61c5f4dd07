// `mooring import` (issue 21) on the real stack: an estate made straight on the emulator and on
// PostgreSQL (50 buckets, 200 record sets in 3 Route 53 zones, 10 databases), imported, applied
// with ObserveOnly, then switched to Full. Every cloud call the operator makes goes through a
// fault proxy of this test's own, whose journal says whether anything wrote; PostgreSQL's catalogs
// are compared before and after. The import itself reads through the same proxy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetBucketTaggingCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand, PutBucketTaggingCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, type S3Client, type Tag } from '@aws-sdk/client-s3';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, ListResourceRecordSetsCommand, Route53Client, type ResourceRecordSet } from '@aws-sdk/client-route-53';
import { loadYaml, type KubeConfig } from '@kubernetes/client-node';
import type pg from 'pg';
import { FaultProxy } from '../../src/stack/faultproxy.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, emulatorClientConfig, emulatorProviderConfig, emulatorS3, eventually, objects, postgresAdmin, postgresProviderConfig, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const stack = useStack(['kube', 'aws', 'postgres']);
const BUCKETS = 50;
const RECORDS_PER_ZONE = [80, 70, 50];
const DATABASES = 10;
const tag = uniq('imp').replace('-', '');
let kc: KubeConfig;
let ns: string;
let awsPc: string;
let pgPc: string;
let proxy: FaultProxy;
let s3: S3Client;
let r53: Route53Client;
let admin: pg.Pool;
let operator: RunningOperator;
const zones: { id: string; name: string }[] = [];
let manifests: { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[] = [];
let stderr = '';

const plural: Record<string, string> = { Bucket: 'buckets', DNSRecord: 'dnsrecords', Database: 'databases' };

async function mooring(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr: e } = await promisify(execFile)(process.execPath, [MAIN, ...args, '--kubeconfig', stack().kube!.kubeconfig], { encoding: 'utf8', maxBuffer: 64 << 20 });
    return { code: 0, out: stdout, err: e };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '', err: e.stderr ?? '' };
  }
}

async function makeBuckets(): Promise<void> {
  for (let i = 0; i < BUCKETS; i++) {
    const Bucket = `${tag}-b${i}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    if (i % 5 !== 4) await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: i % 5 !== 3 } }));
    if (i % 3 === 0) await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'team', Value: `t${i % 4}` }, { Key: 'cost-center', Value: String(i) }] } }));
    if (i % 4 === 0) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: i % 8 === 0 ? 'Enabled' : 'Suspended' } }));
  }
}

/** A record set of each kind in turn: addresses, aliases of names, text, mail, services, weighted sets. */
function recordSet(zone: string, i: number): ResourceRecordSet {
  const name = `r${i}.${zone}`;
  const rr = (Type: string, ...values: string[]): ResourceRecordSet => ({ Name: name, Type: Type as never, TTL: 60 + (i % 7) * 60, ResourceRecords: values.map((Value) => ({ Value })) });
  switch (i % 7) {
    case 0: return rr('A', `192.0.2.${i % 250}`, `198.51.100.${i % 250}`);
    case 1: return rr('AAAA', `2001:db8::${i.toString(16)}`);
    case 2: return rr('CNAME', `target${i}.example.net.`);
    case 3: return rr('TXT', `"v=spf1 include:_spf${i}.example.net ~all"`);
    case 4: return rr('MX', `10 mx${i}.example.net.`, `20 mx${i}b.example.net.`);
    case 5: return rr('SRV', `10 5 5060 sip${i}.example.net.`);
    default: return { Name: `w${i}.${zone}`, Type: 'A', SetIdentifier: `s${i}`, Weight: i % 10, TTL: 60, ResourceRecords: [{ Value: `203.0.113.${i % 250}` }] };
  }
}

async function makeZones(): Promise<void> {
  for (const [z, count] of RECORDS_PER_ZONE.entries()) {
    const name = `${tag}-z${z}.test.`;
    const created = await r53.send(new CreateHostedZoneCommand({ Name: name, CallerReference: uniq('ref') }));
    const id = created.HostedZone!.Id!.replace('/hostedzone/', '');
    zones.push({ id, name });
    const sets = Array.from({ length: count }, (_, i) => recordSet(name, i));
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: id, ChangeBatch: { Changes: sets.map((ResourceRecordSet) => ({ Action: 'CREATE', ResourceRecordSet })) } }));
  }
}

async function makeDatabases(): Promise<void> {
  for (let i = 0; i < DATABASES; i++) {
    const role = `${tag}_o${i}`;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw-${tag}-${i}' CONNECTION LIMIT ${i % 2 ? 5 : -1}`);
    await admin.query(`CREATE DATABASE ${tag}_d${i} OWNER ${role} CONNECTION LIMIT ${i % 2 ? 5 : -1}`);
  }
  // Owned by a superuser: never managed, so skipped with the reason.
  await admin.query(`CREATE DATABASE ${tag}_su`);
}

/** What the estate is, read past mooring: compared before and after. */
async function snapshot() {
  const buckets: Record<string, unknown> = {};
  for (let i = 0; i < BUCKETS; i++) {
    const Bucket = `${tag}-b${i}`;
    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket })).then((t) => t.TagSet ?? [], (): Tag[] => []);
    buckets[Bucket] = {
      tags: Object.fromEntries(tags.filter((t) => t.Key !== 'mooring.dev/owner').map((t): [string, string] => [t.Key ?? '', t.Value ?? ''])),
      versioning: (await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status ?? 'Unversioned',
      pab: await s3.send(new GetPublicAccessBlockCommand({ Bucket })).then((p) => p.PublicAccessBlockConfiguration, () => null),
    };
  }
  const records: Record<string, unknown> = {};
  for (const z of zones) {
    const sets = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: z.id, MaxItems: 300 }))).ResourceRecordSets ?? [];
    records[z.name] = sets.filter((s) => !s.Name!.startsWith('_mooring')).map((s) => JSON.stringify(s)).sort();
  }
  const q = async (sql: string): Promise<Record<string, unknown>[]> => (await admin.query<Record<string, unknown>>(sql, [`${tag}%`])).rows;
  return {
    buckets,
    records,
    databases: await q('SELECT datname, datdba::regrole::text AS owner, datconnlimit FROM pg_database WHERE datname LIKE $1 ORDER BY 1'),
    roles: await q("SELECT rolname, rolcanlogin, rolconnlimit, rolsuper, md5(coalesce(a.rolpassword, '')) AS pw FROM pg_authid a WHERE rolname LIKE $1 ORDER BY 1"),
  };
}

/** Journal entries that write: S3 PUT/POST/DELETE, Route 53 changes. */
const writes = () => proxy.requests().filter((r) => (r.action.startsWith('s3') && ['PUT', 'POST', 'DELETE'].includes(r.method)) || r.action === 'route53:ChangeResourceRecordSets');

async function apply(policy: string): Promise<void> {
  for (const m of manifests) {
    const spec = { ...m.spec, managementPolicy: policy };
    const api = objects(kc, plural[m.kind]!);
    if (await api.tryGet(ns, m.metadata.name)) await api.patchSpec(ns, m.metadata.name, spec);
    else await api.create(ns, m.metadata.name, spec);
  }
}

/** Waits until every applied object's Ready (or, for `degraded`, its Degraded reason) holds for this generation. */
async function settled(kinds: string[], check: (o: ManagedObject) => boolean, what: string): Promise<ManagedObject[]> {
  return eventually(async () => {
    const all = (await Promise.all(kinds.map((k) => objects(kc, plural[k]!).list(ns)))).flat();
    const ok = all.filter((o) => o.status?.observedGeneration === o.metadata.generation && check(o));
    return ok.length === all.length && all.length ? all : undefined;
  }, what, 120_000, async () => {
    const all = (await Promise.all(kinds.map((k) => objects(kc, plural[k]!).list(ns)))).flat();
    return JSON.stringify(all.filter((o) => !check(o)).slice(0, 3).map((o) => [o.metadata.name, o.status?.conditions]));
  });
}

before(async () => {
  ({ kc, ns } = await prepare(stack));
  proxy = await FaultProxy.start(stack().aws!.endpoint);
  awsPc = await emulatorProviderConfig(kc, stack(), uniq('imp-aws'), { endpoint: proxy.endpoint, spec: { policy: { adoption: 'Allowed', buckets: { publicAccess: true } } } });
  const url = new URL(stack().postgres!.url);
  pgPc = await postgresProviderConfig(kc, uniq('imp-pg'), { url: url.toString() });
  s3 = emulatorS3(stack());
  r53 = new Route53Client(emulatorClientConfig(stack()));
  admin = postgresAdmin(stack());
  await Promise.all([makeBuckets(), makeZones(), makeDatabases()]);
});
after(async () => {
  await operator?.stop();
  await proxy?.stop();
  s3?.destroy();
  r53?.destroy();
  await admin?.end();
});

describe('mooring import', () => {
  let before0: Awaited<ReturnType<typeof snapshot>>;

  it('writes manifests with reads only, nothing secret, and says what it skipped', async () => {
    before0 = await snapshot();
    proxy.resetStats();
    const dir = mkdtempSync(join(tmpdir(), 'mooring-import-'));
    const zoneArgs = zones.flatMap((z) => ['--zone', z.name]);
    const aws = await mooring('import', '--provider-config', awsPc, '-n', ns, ...zoneArgs, '-o', dir);
    assert.equal(aws.code, 0, aws.err);
    assert.deepEqual(writes(), [], 'the import wrote to the cloud');
    const pgRun = await mooring('import', '--provider-config', pgPc, '-n', ns);
    assert.equal(pgRun.code, 0, pgRun.err);
    stderr = aws.err + pgRun.err;
    const docs = [...readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')), ...pgRun.out.split(/^---$/m)];
    const all = docs.filter((d) => d.trim()).map((d) => loadYaml<(typeof manifests)[number]>(d));
    // Only this test's estate: a shared stack's account holds other tests' things too.
    const mine = (m: (typeof manifests)[number]) => JSON.stringify(m.spec).includes(tag);
    manifests = all.filter(mine);
    const count = (kind: string) => manifests.filter((m) => m.kind === kind).length;
    assert.equal(count('Bucket'), BUCKETS);
    assert.equal(count('DNSRecord'), RECORDS_PER_ZONE.reduce((a, b) => a + b, 0));
    assert.equal(count('Database'), DATABASES);
    assert.equal(new Set(all.map((m) => `${m.kind}/${m.metadata.name}`)).size, all.length, 'names are unique');
    for (const m of manifests) {
      assert.match(m.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      assert.equal(m.spec.managementPolicy, 'ObserveOnly');
      assert.equal(m.spec.adopt, true);
    }
    assert.doesNotMatch(JSON.stringify(all) + stderr, new RegExp(`pw-${tag}|${url().password}`), 'a password in the output');
    assert.match(stderr, new RegExp(`skipped database ${tag}_su .*privileged`));
    assert.match(stderr, /skipped NS .*the zone's own NS/);
    const versioned = manifests.find((m) => m.spec.externalName === `${tag}-b0`);
    assert.deepEqual([versioned?.spec.versioning, versioned?.spec.tags], [true, { team: 't0', 'cost-center': '0' }]);
  });

  it('applied with ObserveOnly: every object Ready, no drift, no cloud write', async () => {
    operator = await startOperator(stack(), { namespace: ns });
    proxy.resetStats();
    await apply('ObserveOnly');
    const all = await settled(['Bucket', 'DNSRecord', 'Database'], (o) => condition(o, 'Ready')?.status === 'True', 'every object Ready');
    for (const o of all) assert.notEqual(condition(o, 'Drifted')?.status, 'True', `${o.metadata.name} drifted: ${condition(o, 'Drifted')?.message}`);
    assert.deepEqual(writes(), []);
    assert.deepEqual(await snapshot(), before0);
  });

  it('switched to Full: adopts (the ownership marks only) and changes nothing else', async () => {
    proxy.resetStats();
    await apply('Full');
    await settled(['Bucket', 'DNSRecord'], (o) => condition(o, 'Ready')?.status === 'True', 'buckets and records Ready under Full');
    // A login is adopted only with a new password, which nobody asked for: refused, nothing written.
    await settled(['Database'], (o) => condition(o, 'Degraded')?.reason === 'AdoptionNeedsPasswordReset', 'databases refused');
    const s3Writes = writes().filter((w) => w.action.startsWith('s3'));
    assert.ok(s3Writes.every((w) => w.method === 'PUT'), JSON.stringify(s3Writes.slice(0, 5)));
    assert.ok(s3Writes.length <= BUCKETS, `${s3Writes.length} S3 writes for ${BUCKETS} buckets: one ownership tag each at most`);
    assert.deepEqual(await snapshot(), before0);
  });
});

const url = () => new URL(stack().postgres!.url);
