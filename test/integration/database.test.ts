// Database end to end: the real apiserver, the operator, PostgreSQL 15 and the AWS emulator (RDS).
// Every claim is checked from outside the adapter: by connecting with the Secret's credentials, by
// reading the catalogs as the admin, by asking RDS directly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { GROUP, VERSION } from '../../src/api/common.ts';
import { ROTATE_CREDENTIALS } from '../../src/reconcile/connection.ts';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, RDSClient } from '@aws-sdk/client-rds';
import { finalSnapshotName } from '../../providers/aws/index.ts';
import { condition, createNamespace, emulatorProviderConfig, eventually, installCrds, kubeConfig, markOf, objects, postgresAdmin, postgresProviderConfig, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
let kc: KubeConfig;
let core: CoreV1Api;
let ns: string;
let pc: string;
let admin: pg.Pool;
let operator: RunningOperator;
/** Every password the tests saw in a Secret: none may appear in the operator's log. */
const seenPasswords = new Set<string>();
const databases = () => objects(kc, 'databases');
const ident = (s: string) => pg.escapeIdentifier(s);

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  core = kc.makeApiClient(CoreV1Api);
  await installCrds(kc);
  ns = await createNamespace(kc);
  pc = await postgresProviderConfig(kc, uniq('pg'), { url: stack().postgres!.url });
  admin = postgresAdmin(stack());
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 3, backoffBaseMs: 1000 });
});
after(async () => {
  await operator?.stop();
  await admin?.end();
});

const describeStatus = (name: string) => async () => JSON.stringify((await databases().get(ns, name)).status);

const ready = (name: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const d = await databases().get(ns, name);
    return condition(d, 'Ready')?.status === 'True' && d.status?.observedGeneration === d.metadata.generation ? d : undefined;
  }, `Database ${name} Ready`, timeoutMs, describeStatus(name));

const degraded = (name: string, reason: string, timeoutMs = 30_000) =>
  eventually(async () => {
    const d = await databases().get(ns, name);
    return condition(d, 'Degraded')?.reason === reason ? d : undefined;
  }, `Database ${name} Degraded/${reason}`, timeoutMs, describeStatus(name));

const gone = (name: string, timeoutMs = 30_000) =>
  eventually(async () => (await databases().tryGet(ns, name)) === undefined, `Database ${name} gone`, timeoutMs, describeStatus(name));

async function secretOf(name: string): Promise<{ data: Record<string, string>; annotations: Record<string, string>; owners: string[] } | undefined> {
  try {
    const s = await core.readNamespacedSecret({ namespace: ns, name });
    const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    if (data.password) seenPasswords.add(data.password);
    return { data, annotations: s.metadata?.annotations ?? {}, owners: (s.metadata?.ownerReferences ?? []).map((o) => `${o.kind}/${o.name}/${o.controller}`) };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

const dbExists = async (name: string) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
const roleExists = async (name: string) => (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount === 1;
const comment = async (kind: 'database' | 'role', name: string) => {
  const sql = kind === 'database'
    ? "SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1"
    : "SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1";
  return (await admin.query<{ c: string | null }>(sql, [name])).rows[0]?.c ?? undefined;
};

/** Connects with a URI; resolves to the error's SQLSTATE when the login is refused. */
async function tryConnect(uri: string): Promise<pg.Client | string> {
  const client = new pg.Client({ connectionString: uri });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    return (err as { code?: string }).code ?? String(err);
  }
}

async function connect(uri: string): Promise<pg.Client> {
  const client = await tryConnect(uri);
  if (typeof client === 'string') throw new Error(`could not connect: ${client}`);
  return client;
}

describe('Database (PostgreSQL and RDS)', () => {
  it('creates the database and its login; the Secret lets a client connect and create a table', async () => {
    const name = uniq('app');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, postgres: { connectionLimit: 5, extensions: ['citext', 'pgcrypto'], readOnlyRole: `${db}_ro` } });
    const d = await ready(name);
    assert.deepEqual(d.status?.atProvider, { host: '127.0.0.1', port: stack().postgres!.port, database: db, username: db });
    const secret = (await secretOf(`${name}-connection`))!;
    assert.deepEqual(Object.keys(secret.data).sort(), ['database', 'host', 'password', 'port', 'uri', 'username']);
    assert.equal(secret.annotations['mooring.dev/owner'], await markOf(kc, 'databases', ns, name));
    assert.deepEqual(secret.owners, [`Database/${name}/true`]);
    assert.match(secret.data.password!, /^[A-Za-z0-9_-]{32}$/);

    const client = await connect(secret.data.uri!);
    try {
      await client.query('CREATE TABLE notes (id serial PRIMARY KEY, body citext)');
      await client.query("INSERT INTO notes (body) VALUES ('hello')");
      assert.equal((await client.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')).rows[0]?.n, 1);
      assert.equal((await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u, db);
    } finally {
      await client.end();
    }
    assert.equal(await comment('database', db), await markOf(kc, 'databases', ns, name));
    assert.equal(await comment('role', db), await markOf(kc, 'databases', ns, name));
    const owner = await admin.query<{ owner: string; limit: number }>('SELECT pg_get_userbyid(datdba) AS owner, datconnlimit AS limit FROM pg_database WHERE datname = $1', [db]);
    assert.deepEqual(owner.rows[0], { owner: db, limit: 5 });
    // The read-only role reads the table created after it.
    const inside = new pg.Client({ connectionString: stack().postgres!.url.replace(/\/postgres$/, `/${db}`) });
    await inside.connect();
    try {
      const ro = await inside.query<{ r: boolean; w: boolean }>("SELECT has_table_privilege($1, 'notes', 'SELECT') AS r, has_table_privilege($1, 'notes', 'INSERT') AS w", [`${db}_ro`]);
      assert.deepEqual(ro.rows[0], { r: true, w: false });
      const ext = await inside.query<{ extname: string }>("SELECT extname FROM pg_extension WHERE extname IN ('citext', 'pgcrypto') ORDER BY 1");
      assert.deepEqual(ext.rows.map((r) => r.extname), ['citext', 'pgcrypto']);
    } finally {
      await inside.end();
    }
  });

  it('rotates on request: the old password stops working, the new one works, an Event says so without the value', async () => {
    const name = uniq('rot');
    await databases().create(ns, name, { providerConfigRef: { name: pc } });
    await ready(name);
    const before = (await secretOf(`${name}-connection`))!.data;
    await kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: 'databases', namespace: ns, name, body: [{ op: 'add', path: '/metadata/annotations', value: { [ROTATE_CREDENTIALS]: new Date().toISOString() } }] },
    );
    const after = await eventually(async () => {
      const s = await secretOf(`${name}-connection`);
      const fresh = s && s.data.password !== before.password && !s.annotations['mooring.dev/credentials-pending'];
      return fresh && s.data.uri?.includes(encodeURIComponent(s.data.password!)) ? s.data : undefined;
    }, 'a new password applied and published in the URI', 30_000);
    assert.equal(await tryConnect(before.uri!), '28P01', 'the old password is refused');
    await (await connect(after.uri!)).end();
    const events = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
    const rotated = events.items.filter((e) => e.reason === 'CredentialsRotated');
    assert.equal(rotated.length, 1);
    for (const e of events.items) {
      assert.ok(!e.message?.includes(after.password!) && !e.message?.includes(before.password!), `event ${e.reason} holds a password`);
    }
  });

  it('Retain leaves the database and the role, marked', async () => {
    const name = uniq('keep');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, deletionPolicy: 'Retain' });
    await ready(name);
    const owner = await markOf(kc, 'databases', ns, name);
    await databases().remove(ns, name);
    await gone(name);
    assert.ok(await dbExists(db));
    assert.ok(await roleExists(db));
    assert.equal(await comment('database', db), owner);
  });

  it('waits for connected clients on delete (DatabaseInUse), and ends their sessions when the spec allows', async () => {
    const name = uniq('busy');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc } });
    const d = await ready(name);
    const client = await connect((await secretOf(`${name}-connection`))!.data.uri!);
    const ended = new Promise<void>((resolve) => client.once('error', () => resolve()));
    await databases().remove(ns, name);
    const waiting = await degraded(name, 'DatabaseInUse');
    assert.match(condition(waiting, 'Degraded')!.message, /terminateConnectionsOnDelete/);
    assert.ok(await dbExists(db), 'not dropped under a connected client');
    assert.equal((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1, 'the client still works');
    await databases().patchSpec(ns, name, { ...d.spec, postgres: { terminateConnectionsOnDelete: true } });
    await gone(name);
    await ended;
    await client.end().catch(() => undefined);
    assert.equal(await dbExists(db), false);
    assert.equal(await roleExists(db), false);
  });

  it('refuses names that try SQL injection at the apiserver: they never reach SQL', async () => {
    const before = (await admin.query('SELECT count(*)::int AS n FROM pg_database')).rows[0] as { n: number };
    const attempts = [
      { externalName: 'x"; DROP DATABASE postgres; --' },
      { externalName: "x'; SELECT pg_sleep(10); --" },
      { username: 'a" SUPERUSER; --' },
      { username: 'pg_read_all_data' },
      { postgres: { readOnlyRole: 'ro; GRANT postgres TO ro' } },
      { postgres: { extensions: ['plpython3u'] } },
    ];
    for (const extra of attempts) {
      await assert.rejects(databases().create(ns, uniq('inject'), { providerConfigRef: { name: pc }, ...extra }), /Invalid value|should match|must be|may not|not on|Unsupported value/, JSON.stringify(extra));
    }
    const after = (await admin.query('SELECT count(*)::int AS n FROM pg_database')).rows[0] as { n: number };
    assert.equal(after.n, before.n);
  });

  it('never touches or drops an existing database it does not own', async () => {
    const db = uniq('theirs').replace(/-/g, '_');
    await admin.query(`CREATE DATABASE ${ident(db)}`);
    const name = uniq('foreign');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, externalName: db });
    const d = await degraded(name, 'NotOwned');
    assert.match(condition(d, 'Degraded')!.message, /adopt/);
    assert.equal(await roleExists(db), false, 'no role created for it');
    await databases().remove(ns, name);
    await gone(name);
    assert.ok(await dbExists(db), 'still there');
    assert.equal(await comment('database', db), undefined, 'unmarked still');
  });

  it('never overwrites a Secret of that name it did not create: SecretConflict, nothing created', async () => {
    const name = uniq('clash');
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `${name}-connection` }, stringData: { password: 'theirs' } } });
    await databases().create(ns, name, { providerConfigRef: { name: pc } });
    await degraded(name, 'SecretConflict');
    assert.deepEqual((await secretOf(`${name}-connection`))!.data, { password: 'theirs' });
    assert.equal(await dbExists(name.replace(/-/g, '_')), false);
  });

  it('deleted after its database was dropped by hand, still drops its marked login role: no leak (chaos seed 1998953612)', async () => {
    const name = uniq('dropped');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, postgres: { terminateConnectionsOnDelete: true } });
    await ready(name);
    await admin.query(`DROP DATABASE ${ident(db)} WITH (FORCE)`);
    await databases().remove(ns, name);
    await gone(name);
    assert.equal(await roleExists(db), false, 'the login role carrying our mark went with the Database');
  });

  it('restores a dropped role (with the same password) and a changed owner; re-creates a dropped database', async () => {
    const name = uniq('drift');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc } });
    await ready(name);
    const uri = (await secretOf(`${name}-connection`))!.data.uri!;
    await admin.query(`ALTER DATABASE ${ident(db)} OWNER TO postgres`);
    await admin.query(`DROP ROLE ${ident(db)}`);
    await eventually(async () => (await roleExists(db)) && (await admin.query<{ o: string }>('SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = $1', [db])).rows[0]?.o === db, 'role and owner restored', 20_000);
    await (await connect(uri)).end();
    await admin.query(`DROP DATABASE ${ident(db)}`);
    await eventually(async () => dbExists(db), 'database re-created under Full', 20_000);
    await ready(name);
    await (await connect(uri)).end();
  });

  it('is Degraded with a reason while the admin Secret is missing or wrong, and recovers', async () => {
    const broken = uniq('pg-broken');
    await postgresProviderConfig(kc, broken);
    const name = uniq('nocreds');
    await databases().create(ns, name, { providerConfigRef: { name: broken } });
    await degraded(name, 'CredentialsNotFound');
    const pgInfo = stack().postgres!;
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${broken}-admin` }, stringData: { host: pgInfo.host, port: String(pgInfo.port), username: 'postgres', password: 'wrong-password' } } });
    const d = await degraded(name, 'InvalidCredentials');
    assert.doesNotMatch(JSON.stringify(d.status), /wrong-password/);
    await core.patchNamespacedSecret({ namespace: 'default', name: `${broken}-admin`, body: { stringData: { password: pgInfo.password } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await ready(name, 40_000);
  });

  it('RDS: creates an instance with the endpoint in status and the Secret, deletes it with a final snapshot', async () => {
    const aws = stack().aws!;
    const rds = new RDSClient({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
    try {
      const awsPc = await emulatorProviderConfig(kc, stack());
      const name = uniq('rds');
      await databases().create(ns, name, { providerConfigRef: { name: awsPc }, rds: { engine: 'postgres', instanceClass: 'db.t3.micro', backupRetentionDays: 1, tags: { team: 'a' } } });
      const d = await ready(name);
      const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name }))).DBInstances![0]!;
      assert.equal(d.status?.atProvider?.status, 'available');
      assert.equal(d.status?.atProvider?.host, instance.Endpoint?.Address);
      const owner = await markOf(kc, 'databases', ns, name);
      assert.ok(instance.TagList?.some((t) => t.Key === 'mooring.dev/owner' && t.Value === owner));
      const secret = (await secretOf(`${name}-connection`))!;
      assert.equal(secret.data.host, instance.Endpoint?.Address);
      assert.equal(secret.data.username, 'mooring');
      assert.match(secret.data.password!, /^[A-Za-z0-9_-]{32}$/);
      await databases().remove(ns, name);
      await gone(name);
      const snapshots = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: finalSnapshotName(name, d.metadata.uid) }));
      assert.equal(snapshots.DBSnapshots?.[0]?.DBInstanceIdentifier, name);
      await assert.rejects(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: name })), /DBInstanceNotFound/);
    } finally {
      rds.destroy();
    }
  });

  it('never writes a password to the operator log', async () => {
    assert.ok(seenPasswords.size >= 3, 'the tests above saw passwords');
    const log = readFileSync(operator.logFile, 'utf8');
    assert.ok(log.length > 0);
    for (const password of [...seenPasswords, stack().postgres!.password]) assert.ok(!log.includes(password), 'a password is in the operator log');
  });
});
