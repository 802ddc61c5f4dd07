// A ProviderConfig's status on the real stack (issue 16): the operator checks each config with its
// provider's identity call and writes Ready, the account, where it went, how many objects use the
// config and when it looked; a wrong password shows as InvalidCredentials (never the password) and
// recovers when the Secret is fixed; a credential failure of a resource makes a check at once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import pg from 'pg';
import { GROUP, VERSION, type Condition } from '../../src/api/common.ts';
import { binaries } from '../../src/stack/versions.ts';
import { eventually, objects, waiters, postgresAdmin, postgresProviderConfig, prepare, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
let kc: KubeConfig;
let ns: string;
let awsPc: string;
const wrongPc = uniq('pg-wrong');
const rotatedPc = uniq('pg-rotated');
const rotatedRole = `status_admin_${uniq('r').slice(2)}`.replaceAll('-', '_');
const WRONG_PASSWORD = 'not-the-password-5c1d9e';
let operator: RunningOperator;
let admin: pg.Pool;

interface ProviderConfigObject {
  metadata: { name: string; generation: number };
  status?: { conditions?: Condition[]; account?: string; endpoint?: string; usedBy?: number; lastChecked?: string; observedGeneration?: number };
}

const getConfig = async (name: string) =>
  (await kc.makeApiClient(CustomObjectsApi).getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'providerconfigs', name })) as ProviderConfigObject;
const ready = (pc: ProviderConfigObject) => pc.status?.conditions?.find((c) => c.type === 'Ready');

/** Waits until the config's Ready condition has `status` and `reason`. */
function until(name: string, status: string, reason: string, timeoutMs = 30_000): Promise<ProviderConfigObject> {
  return eventually(async () => {
    const pc = await getConfig(name);
    const r = ready(pc);
    return r?.status === status && r.reason === reason ? pc : undefined;
  }, `ProviderConfig ${name} Ready=${status} (${reason})`, timeoutMs, async () => JSON.stringify((await getConfig(name)).status));
}

const usedBy = (name: string, n: number) =>
  eventually(async () => (await getConfig(name)).status?.usedBy === n, `ProviderConfig ${name} usedBy ${n}`, 30_000, async () => JSON.stringify((await getConfig(name)).status));

const urlWith = (user: string, password: string) => {
  const url = new URL(stack().postgres!.url);
  url.username = user;
  url.password = password;
  return url.toString();
};

before(async () => {
  ({ kc, ns, pc: awsPc } = await prepare(stack));
  admin = postgresAdmin(stack());
  await postgresProviderConfig(kc, wrongPc, { url: urlWith(stack().postgres!.user, WRONG_PASSWORD) });
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(rotatedRole)} LOGIN CREATEDB CREATEROLE PASSWORD 'rotated-0123456789'`);
  await postgresProviderConfig(kc, rotatedPc, { url: urlWith(rotatedRole, 'rotated-0123456789') });
  operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: 1000, configStatusFor: [awsPc, wrongPc, rotatedPc] });
});
after(async () => {
  await operator?.stop();
  await admin?.end();
});

describe('ProviderConfig status', () => {
  it('an aws config on the emulator turns Ready, showing the account, the endpoint and when it was checked, in kubectl get too', async () => {
    const pc = await until(awsPc, 'True', 'Reachable');
    assert.equal(pc.status?.account, '123456789012');
    assert.equal(pc.status?.endpoint, stack().aws!.endpoint);
    assert.equal(pc.status?.observedGeneration, pc.metadata.generation);
    assert.ok(Math.abs(Date.parse(pc.status.lastChecked!) - Date.now()) < 60_000, pc.status?.lastChecked);
    assert.match(ready(pc)!.message, /^STS GetCallerIdentity answered at .*: account 123456789012 as arn:aws:sts::123456789012:/);
    const out = execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'get', 'providerconfig', awsPc], { encoding: 'utf8' });
    const [header, row] = out.trim().split('\n').map((line) => line.trim().split(/\s+/));
    assert.deepEqual(header, ['NAME', 'TYPE', 'READY', 'REASON', 'ACCOUNT', 'USED-BY', 'AGE']);
    assert.deepEqual(row?.slice(0, 6), [awsPc, 'aws', 'True', 'Reachable', '123456789012', '0']);
  });

  it('a postgres config with a wrong password is Ready=False InvalidCredentials, never showing it, and recovers when the Secret is fixed', async () => {
    const broken = await until(wrongPc, 'False', 'InvalidCredentials');
    assert.ok(!JSON.stringify(broken.status).includes(WRONG_PASSWORD), 'the password never reaches the status');
    assert.equal(broken.status?.account, undefined);
    await kc.makeApiClient(CoreV1Api).patchNamespacedSecret({
      namespace: 'default', name: `${wrongPc}-admin`,
      body: [{ op: 'replace', path: '/data', value: { url: Buffer.from(stack().postgres!.url).toString('base64') } }],
    });
    const fixed = await until(wrongPc, 'True', 'Reachable');
    assert.equal(fixed.status?.account, stack().postgres!.user);
    assert.equal(fixed.status?.endpoint, `127.0.0.1:${stack().postgres!.port}`);
    assert.ok(Date.parse(ready(fixed)!.lastTransitionTime) > Date.parse(ready(broken)!.lastTransitionTime));
  });

  it('USED-BY follows the objects created and deleted', async () => {
    const buckets = objects(kc, 'buckets');
    const names = [uniq('used'), uniq('used'), uniq('used')];
    for (const name of names) await buckets.create(ns, name, { providerConfigRef: { name: awsPc } });
    await usedBy(awsPc, 3);
    // Counted from the first moment, Ready or not; deleted once Ready (a delete racing the create is another matter).
    for (const name of names) await waiters(kc, 'buckets', ns).ready(name);
    await buckets.remove(ns, names[0]!);
    await eventually(async () => (await buckets.tryGet(ns, names[0]!)) === undefined, `Bucket ${names[0]} gone`, 30_000, async () => JSON.stringify(await buckets.tryGet(ns, names[0]!)));
    await usedBy(awsPc, 2);
    const out = execFileSync(binaries().kubectl, ['--kubeconfig', stack().kube!.kubeconfig, 'get', 'providerconfig', awsPc, '--no-headers'], { encoding: 'utf8' });
    assert.equal(out.trim().split(/\s+/)[5], '2');
  });

  it('a resource failing on credentials has its config checked at once, not at the next interval', async () => {
    await until(rotatedPc, 'True', 'Reachable');
    // The password changes in the database itself: no Kubernetes object changes, so only the
    // resource's failure can tell the operator (the interval is 10 minutes).
    await admin.query(`ALTER ROLE ${pg.escapeIdentifier(rotatedRole)} PASSWORD 'changed-behind-its-back-0123'`);
    const name = uniq('db');
    await objects(kc, 'databases').create(ns, name, { providerConfigRef: { name: rotatedPc } });
    const pc = await until(rotatedPc, 'False', 'InvalidCredentials');
    assert.match(ready(pc)!.message, /password authentication failed/);
    assert.equal(pc.status?.usedBy, 1);
  });
});
