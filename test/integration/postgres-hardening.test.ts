// The postgres provider against a hostile tenant (issue 15), on the real apiserver, operator and
// PostgreSQL 15. The tenant acts only through what it has: the login in its Database's connection
// Secret, and its own Database objects. Every verdict comes from a separate superuser connection.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { GROUP, VERSION } from '../../src/api/common.ts';
import { condition, createNamespace, eventually, installCrds, kubeConfig, objects, postgresAdmin, postgresProviderConfig, uniq, waiters } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { ADOPT_WITH_CHANGES } from '../../src/reconcile/adoption.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'postgres']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let admin: pg.Pool;
let operator: RunningOperator;
const databases = () => objects(kc, 'databases');
const ident = (s: string) => pg.escapeIdentifier(s);
const lit = (s: string) => pg.escapeLiteral(s);
let wait: ReturnType<typeof waiters>;

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  pc = await postgresProviderConfig(kc, uniq('pg'), { url: stack().postgres!.url });
  admin = postgresAdmin(stack());
  wait = waiters(kc, 'databases', ns);
  operator = await startOperator(stack(), { namespace: ns, resyncSeconds: 2, backoffBaseMs: 500 });
});
after(async () => {
  await operator?.stop();
  await admin?.end();
});

async function secretData(name: string): Promise<Record<string, string>> {
  const s = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: `${name}-connection` });
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

async function withClient<T>(config: pg.ClientConfig, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The superuser, inside one database: the oracle for what happened there. */
const asAdminIn = <T>(db: string, fn: (c: pg.Client) => Promise<T>) => withClient({ connectionString: stack().postgres!.url.replace(/\/postgres$/, `/${db}`) }, fn);

const rolpassword = async (role: string) => (await admin.query<{ p: string | null }>('SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1', [role])).rows[0]?.p;

/**
 * The tenant's trap: functions (and an operator) in its public schema, each with the exact
 * signature of a pg_catalog one the operator calls or might call, each of which, run by a
 * superuser, makes the tenant's login a superuser and writes who ran it into a canary table.
 */
function trap(tenant: string): string[] {
  const fire = `BEGIN EXECUTE ${lit(`ALTER ROLE ${ident(tenant)} SUPERUSER`)}; EXCEPTION WHEN OTHERS THEN NULL; END;
    INSERT INTO public.canary VALUES (session_user, current_user);`;
  const fn = (signature: string, returns: string, call: string) =>
    `CREATE FUNCTION public.${signature} RETURNS ${returns} LANGUAGE plpgsql AS $f$ BEGIN ${fire} RETURN ${call}; END $f$`;
  return [
    'CREATE TABLE public.canary (session_user_name text, current_user_name text)',
    'GRANT INSERT ON public.canary TO PUBLIC',
    'CREATE TABLE public.notes (id int)',
    fn('current_database()', 'name', 'pg_catalog.current_database()'),
    fn('format(text, name, name)', 'text', 'pg_catalog.format($1, $2, $3)'),
    fn('format(text, text, text)', 'text', 'pg_catalog.format($1, $2, $3)'),
    fn('has_database_privilege(name, name, text)', 'boolean', 'pg_catalog.has_database_privilege($1, $2, $3)'),
    fn('has_database_privilege(text, name, text)', 'boolean', 'pg_catalog.has_database_privilege($1::name, $2, $3)'),
    fn('has_schema_privilege(name, text, text)', 'boolean', 'pg_catalog.has_schema_privilege($1, $2, $3)'),
    fn('has_schema_privilege(text, text, text)', 'boolean', 'pg_catalog.has_schema_privilege($1::name, $2, $3)'),
    fn('has_table_privilege(name, text, text)', 'boolean', 'pg_catalog.has_table_privilege($1, $2, $3)'),
    fn('has_table_privilege(name, oid, text)', 'boolean', 'pg_catalog.has_table_privilege($1, $2, $3)'),
    fn('has_table_privilege(text, text, text)', 'boolean', 'pg_catalog.has_table_privilege($1::name, $2, $3)'),
    fn('to_regrole(text)', 'regrole', 'pg_catalog.to_regrole($1)'),
    `CREATE FUNCTION public.aclexplode(acl aclitem[]) RETURNS TABLE (grantor oid, grantee oid, privilege_type text, is_grantable boolean)
       LANGUAGE plpgsql AS $f$ BEGIN ${fire} RETURN QUERY SELECT * FROM pg_catalog.aclexplode(acl); END $f$`,
    fn('hijack_eq(name, name)', 'boolean', 'pg_catalog.nameeq($1, $2)'),
    'CREATE OPERATOR public.= (LEFTARG = name, RIGHTARG = name, FUNCTION = public.hijack_eq)',
  ];
}

describe('postgres hardening against a tenant', () => {
  it('a tenant\'s functions on its database\'s search_path never run as the operator (CVE-2018-1058)', async () => {
    const name = uniq('hijack');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, postgres: { readOnlyRole: `${db}_ro` } });
    await wait.ready(name);
    const { uri } = await secretData(name);
    await withClient({ connectionString: uri }, async (tenant) => {
      for (const statement of trap(db)) await tenant.query(statement);
      await tenant.query(`ALTER DATABASE ${ident(db)} SET search_path = public, pg_catalog`);
    });
    // The trap is armed: a new session on that database resolves current_database() to the tenant's.
    await withClient({ connectionString: uri }, async (tenant) => {
      assert.equal((await tenant.query<{ d: string }>('SELECT current_database() AS d')).rows[0]?.d, db);
      assert.equal((await tenant.query<{ n: number }>('SELECT count(*)::int AS n FROM canary')).rows[0]?.n, 1, 'the tenant\'s own call went through its function');
      await tenant.query('DELETE FROM canary');
    });

    // A spec change makes the operator work inside the database (an extension, the grants) and observe it again.
    const current = await databases().get(ns, name);
    await databases().patchSpec(ns, name, { ...current.spec, postgres: { readOnlyRole: `${db}_ro`, extensions: ['citext'] } });
    await wait.ready(name);
    // And a few resyncs (every 2 s), each one reading inside the database.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await wait.ready(name);

    const role = await admin.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [db]);
    assert.equal(role.rows[0]?.rolsuper, false, 'the tenant is not a superuser');
    await asAdminIn(db, async (oracle) => {
      const canary = await oracle.query('SELECT * FROM public.canary');
      assert.deepEqual(canary.rows, [], 'no function of the tenant ran in an operator session');
      // The work was done, and as the owner: the extension belongs to the tenant's login, not the superuser.
      const ext = await oracle.query<{ owner: string }>("SELECT extowner::regrole::text AS owner FROM pg_extension WHERE extname = 'citext'");
      assert.deepEqual(ext.rows, [{ owner: db }]);
      const ro = await oracle.query<{ r: boolean }>("SELECT pg_catalog.has_table_privilege($1, 'public.notes', 'SELECT') AS r", [`${db}_ro`]);
      assert.equal(ro.rows[0]?.r, true, 'the read-only role reads the tenant\'s table');
    });
  });

  it('stores a SCRAM-SHA-256 verifier, never the password; the Secret\'s password logs in', async () => {
    const name = uniq('scram');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc } });
    await wait.ready(name);
    const { uri, password } = await secretData(name);
    const stored = await rolpassword(db);
    assert.match(stored ?? '', /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    assert.ok(!stored!.includes(password!));
    assert.equal(await withClient({ connectionString: uri }, async (c) => (await c.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u), db);
  });

  const privileged: { what: string; grant: (role: string) => string }[] = [
    { what: 'SUPERUSER', grant: (r) => `ALTER ROLE ${ident(r)} SUPERUSER` },
    { what: 'REPLICATION', grant: (r) => `ALTER ROLE ${ident(r)} REPLICATION` },
    { what: 'BYPASSRLS', grant: (r) => `ALTER ROLE ${ident(r)} BYPASSRLS` },
    { what: 'CREATEROLE', grant: (r) => `ALTER ROLE ${ident(r)} CREATEROLE` },
    { what: 'CREATEDB', grant: (r) => `ALTER ROLE ${ident(r)} CREATEDB` },
    { what: 'member of pg_read_all_data', grant: (r) => `GRANT pg_read_all_data TO ${ident(r)}` },
  ];
  it('never takes a privileged login (SUPERUSER, REPLICATION, BYPASSRLS, CREATEROLE, CREATEDB, a membership): PrivilegedRole, its password untouched', async () => {
    await Promise.all(privileged.map(async (p) => {
      const role = uniq('priv').replace(/-/g, '_');
      await admin.query(`CREATE ROLE ${ident(role)} LOGIN PASSWORD 'theirs-0123456789'`);
      await admin.query(p.grant(role));
      const before = await rolpassword(role);
      const name = uniq('takeover');
      await databases().create(ns, name, { providerConfigRef: { name: pc }, username: role });
      const d = await wait.degraded(name, 'PrivilegedRole');
      assert.match(condition(d, 'Degraded')!.message, new RegExp(`${role} has ${p.what}`), p.what);
      assert.equal(await rolpassword(role), before, `${p.what}: the password is unchanged`);
      assert.equal((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name.replace(/-/g, '_')])).rowCount, 0, `${p.what}: no database made for it`);
      await withClient({ connectionString: stack().postgres!.url.replace(/\/\/[^@]*@/, `//${role}:theirs-0123456789@`) }, async () => undefined);
      await databases().remove(ns, name);
      await wait.gone(name);
      assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount, 1, `${p.what}: never dropped`);
    }));
  });

  it('never takes a database a superuser owns, even with adopt: PrivilegedRole, the owner unchanged, no role made', async () => {
    const db = uniq('admins').replace(/-/g, '_');
    await admin.query(`CREATE DATABASE ${ident(db)}`);
    const name = uniq('adopt');
    const login = `${db}_login`;
    // resetPasswordOnAdopt and adopt-with-changes: past the reconciler's own refusals, so the adapter's is what is tested.
    await databases().create(ns, name, { providerConfigRef: { name: pc }, externalName: db, username: login, adopt: true, resetPasswordOnAdopt: true }, { annotations: { [ADOPT_WITH_CHANGES]: 'true' } });
    const d = await wait.degraded(name, 'PrivilegedRole');
    assert.match(condition(d, 'Degraded')!.message, new RegExp(`${db} is owned by the role postgres`));
    const owner = await admin.query<{ o: string; c: string | null }>("SELECT pg_get_userbyid(datdba) AS o, shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1", [db]);
    assert.deepEqual(owner.rows[0], { o: 'postgres', c: null });
    assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [login])).rowCount, 0);
    await databases().remove(ns, name);
    await wait.gone(name);
  });

  it('a role of ours made privileged behind our back: PrivilegedRole, no longer written, and not dropped on delete', async () => {
    const name = uniq('grown');
    const db = name.replace(/-/g, '_');
    await databases().create(ns, name, { providerConfigRef: { name: pc }, postgres: { terminateConnectionsOnDelete: true } });
    await wait.ready(name);
    await admin.query(`ALTER ROLE ${ident(db)} REPLICATION`);
    await admin.query(`ALTER ROLE ${ident(db)} CONNECTION LIMIT 3`); // drift the operator would otherwise correct
    await wait.degraded(name, 'PrivilegedRole');
    const limit = await admin.query<{ l: number }>('SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = $1', [db]);
    assert.equal(limit.rows[0]?.l, 3, 'not corrected: the role is not touched');
    await databases().remove(ns, name);
    await wait.gone(name);
    assert.equal((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db])).rowCount, 1, 'left for an administrator');
    await admin.query(`DROP ROLE ${ident(db)}`);
  });

  it('the Database queue is not held by a server that never answers: Degraded ProviderUnavailable within the bound, others go on', async () => {
    const held = new Set<Socket>();
    const blackhole = createServer((s) => held.add(s.on('error', () => undefined)));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blackhole.address() as AddressInfo).port;
      const dead = uniq('pg-dead');
      await postgresProviderConfig(kc, dead, { host: '127.0.0.1', port: String(port), username: 'postgres', password: 'x' });
      await kc.makeApiClient(CustomObjectsApi).patchClusterCustomObject({
        group: GROUP, version: VERSION, plural: 'providerconfigs', name: dead,
        body: [{ op: 'add', path: '/spec/settings', value: { connectTimeoutMs: '1000' } }],
      });
      const stuck = uniq('stuck');
      const started = Date.now();
      await databases().create(ns, stuck, { providerConfigRef: { name: dead } });
      const fine = uniq('fine');
      await databases().create(ns, fine, { providerConfigRef: { name: pc } });
      await wait.degraded(stuck, 'ProviderUnavailable', 15_000);
      assert.ok(Date.now() - started < 15_000);
      await wait.ready(fine);
      await eventually(async () => held.size > 0, 'the operator reached the blackhole');
    } finally {
      for (const s of held) s.destroy();
      blackhole.close();
    }
  });
});
