// Secrets scrubbed by value (issue 10): a careless adapter (the fixture below) quotes its API token
// and the generated database password in its error messages. The operator must replace both
// wherever they would leave it: the Degraded condition, the Warning Event, the log. The check is
// the SDK's own harness for plugin authors (assertNoSecretEscapes), fed from the apiserver and the
// log file, and the messages must still say what went wrong (with [redacted] in the secret's place).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { assertNoSecretEscapes, RetryableError, TerminalError, type Connector, type ExternalClient } from '../../sdk/index.ts';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { condition, GRANT_ALL, createNamespace, eventually, installCrds, kubeConfig, objects, uniq } from '../support/kube.ts';
import { startOperator, type RunningOperator } from '../support/operator.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let operator: RunningOperator;
const TOKEN = `tok-${uniq('api')}-do-not-print`;

/** A provider that leaks: observe quotes the token; a database create quotes the password and a URI. */
const leaky = (): Connector<unknown> => ({
  connect: async (connection) => {
    const token = connection.secretData?.apiToken ?? '';
    const client: ExternalClient<unknown> = {
      observe: async (r) => {
        if (r.kind === 'Bucket') throw new TerminalError('AccessDenied', `the API refused token ${token} for ${r.externalName}`);
        return { exists: false, upToDate: false };
      },
      create: async (r) => {
        const password = r.connectionSecret?.password ?? '';
        throw new RetryableError('ProviderUnavailable', `cannot create: server said "bad password ${password}" at postgresql://app:${password}@db.internal/app`);
      },
      update: async () => undefined,
      delete: async () => ({ done: true }),
      disconnect: async () => undefined,
    };
    return client;
  },
});

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  pc = uniq('leaky');
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: 'default', body: { metadata: { name: `${pc}-creds` }, stringData: { apiToken: TOKEN } } });
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name: pc }, spec: { type: 'leaky', credentials: { source: 'Secret', secretRef: { namespace: 'default', name: `${pc}-creds` } }, grants: GRANT_ALL } },
  });
  operator = await startOperator(stack(), { namespace: ns, backoffBaseMs: 1000, providers: [{ type: 'leaky', kinds: { Bucket: leaky(), Database: leaky() } }] });
});
after(async () => {
  await operator?.stop();
});

const degradedWith = (plural: string, name: string, pattern: RegExp) =>
  eventually(async () => {
    const o = await objects(kc, plural).get(ns, name);
    return pattern.test(condition(o, 'Degraded')?.message ?? '') ? o : undefined;
  }, `${plural}/${name} Degraded matching ${pattern}`, 30_000, async () => JSON.stringify((await objects(kc, plural).get(ns, name)).status));

describe('secrets scrubbed by value', () => {
  it('a credentials value and a generated password quoted by an adapter reach no condition, Event or log line', async () => {
    await objects(kc, 'buckets').create(ns, 'leaky-bucket', { providerConfigRef: { name: pc } });
    await objects(kc, 'databases').create(ns, 'leaky-db', { providerConfigRef: { name: pc } });
    const bucket = await degradedWith('buckets', 'leaky-bucket', /the API refused token \[redacted\] for leaky-bucket/);
    const db: ManagedObject = await degradedWith('databases', 'leaky-db', /bad password \[redacted\]" at postgresql:\/\/app:\[redacted\]@db\.internal/);

    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: ns, name: 'leaky-db-connection' });
    const password = Buffer.from(secret.data!.password!, 'base64').toString('utf8');
    assert.ok(password.length >= 16, 'the reconciler generated a password and kept it in the Secret');
    const events = await eventually(async () => {
      const list = (await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items;
      return list.filter((e) => e.type === 'Warning').length >= 2 ? list : undefined;
    }, 'the Warning Events');
    const log = readFileSync(operator.logFile, 'utf8');
    assert.match(log, /\[redacted\]/, 'the leaks reached the log, scrubbed');

    assertNoSecretEscapes([TOKEN, password], {
      'Bucket status': bucket.status,
      'Database status': db.status,
      ...Object.fromEntries(events.map((e) => [`Event ${e.involvedObject.name} ${e.reason}`, e.message])),
      'operator log': log,
    });
  });
});

describe('credentials only where the admin keeps them (issue 15)', () => {
  const createPc = (name: string, credentials: unknown) =>
    kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
      group: GROUP, version: VERSION, plural: 'providerconfigs',
      body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec: { type: 'leaky', credentials, grants: GRANT_ALL } },
    });

  it('the apiserver refuses a webIdentity.tokenFile outside the projected-token directory', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/mooring';
    await assert.rejects(
      createPc(uniq('sa-token'), { source: 'WebIdentity', webIdentity: { roleArn, tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } }),
      (err: unknown) => (err as { code?: number }).code === 422 && /tokenFile/.test(String((err as { body?: unknown }).body)),
    );
    await createPc(uniq('irsa'), { source: 'WebIdentity', webIdentity: { roleArn, tokenFile: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' } });
  });

  it('a secretRef into a namespace not listed is refused (CredentialsNamespaceRefused), its Secret never used', async () => {
    // The tenant's own namespace, holding a Secret the tenant wrote.
    await kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'my-creds' }, stringData: { apiToken: 'team-b-orders' } } });
    const tenantPc = uniq('tenant-pc');
    await createPc(tenantPc, { source: 'Secret', secretRef: { namespace: ns, name: 'my-creds' } });
    await objects(kc, 'buckets').create(ns, 'tenant-bucket', { providerConfigRef: { name: tenantPc } });
    const bucket = await eventually(async () => {
      const o = await objects(kc, 'buckets').get(ns, 'tenant-bucket');
      return condition(o, 'Degraded')?.reason === 'CredentialsNamespaceRefused' ? o : undefined;
    }, 'tenant-bucket Degraded CredentialsNamespaceRefused', 30_000);
    assert.match(condition(bucket, 'Degraded')?.message ?? '', /--credentials-namespaces: default/);
    assert.doesNotMatch(readFileSync(operator.logFile, 'utf8'), /the API refused token \S+ for tenant-bucket/, 'the adapter was never connected with the tenant\'s Secret');
  });
});
