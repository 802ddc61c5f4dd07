// Connection settings from kubeconfig files of each shape an operator meets, from the in-cluster
// service account (with token rotation), and the order the sources are tried in.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileToken, inClusterConnection, kubeconfigConnection, KubeconfigError, loadConnection, loadKubeConfig, type LoadOptions } from './config.ts';
import type { KubeConnection } from './connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'mooring-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');
let files = 0;
/** Writes a kubeconfig (as JSON, which is YAML too, or as given) and returns its path. */
function kubeconfig(doc: unknown, name = `kc-${files++}`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return path;
}
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** One context `c` on cluster `k` and user `u` (absent user: anonymous). */
const single = (cluster: Record<string, unknown>, user?: Record<string, unknown>, context: Record<string, unknown> = {}) => ({
  'current-context': 'c',
  clusters: [{ name: 'k', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
  users: user ? [{ name: 'u', user }] : [],
  contexts: [{ name: 'c', context: { cluster: 'k', ...(user ? { user: 'u' } : {}), ...context } }],
});

async function seen(c: KubeConnection) {
  return {
    server: c.server,
    ca: c.tls.ca?.toString(),
    cert: c.tls.cert?.toString(),
    key: c.tls.key?.toString(),
    rejectUnauthorized: c.tls.rejectUnauthorized,
    servername: c.tls.servername,
    headers: await c.headers(),
    namespace: c.namespace,
  };
}

describe('kubeconfigConnection', () => {
  file('ca.pem', 'CA-FROM-FILE');
  file('client.crt', 'CERT-FROM-FILE');
  file('client.key', 'KEY-FROM-FILE');
  file('token', 'token-from-file\n');
  const base: Awaited<ReturnType<typeof seen>> = { server: 'https://10.0.0.1:6443', ca: undefined, cert: undefined, key: undefined, rejectUnauthorized: true, servername: undefined, headers: {}, namespace: undefined };
  const cases: { reason: string; doc: unknown; want: Partial<typeof base> }[] = [
    { reason: 'a token and inline CA, with the context namespace', doc: single({ 'certificate-authority-data': b64('CA') }, { token: 'abc' }, { namespace: 'team-a' }), want: { ca: 'CA', headers: { Authorization: 'Bearer abc' }, namespace: 'team-a' } },
    { reason: 'a CA file relative to the kubeconfig', doc: single({ 'certificate-authority': 'ca.pem' }), want: { ca: 'CA-FROM-FILE' } },
    { reason: 'client certificate and key files', doc: single({}, { 'client-certificate': 'client.crt', 'client-key': join(dir, 'client.key') }), want: { cert: 'CERT-FROM-FILE', key: 'KEY-FROM-FILE' } },
    { reason: 'client certificate and key data', doc: single({}, { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') }), want: { cert: 'CERT', key: 'KEY' } },
    { reason: 'insecure-skip-tls-verify (a CA beside it is ignored)', doc: single({ 'insecure-skip-tls-verify': true, 'certificate-authority-data': b64('CA') }), want: { rejectUnauthorized: false } },
    { reason: 'tls-server-name', doc: single({ 'tls-server-name': 'kubernetes' }), want: { servername: 'kubernetes' } },
    { reason: 'basic auth', doc: single({}, { username: 'ada', password: 'pw' }), want: { headers: { Authorization: `Basic ${b64('ada:pw')}` } } },
    { reason: 'a tokenFile, which wins over token', doc: single({}, { tokenFile: 'token', token: 'stale' }), want: { headers: { Authorization: 'Bearer token-from-file' } } },
    { reason: 'impersonation', doc: single({}, { token: 't', as: 'system:serviceaccount:x:y' }), want: { headers: { Authorization: 'Bearer t', 'Impersonate-User': 'system:serviceaccount:x:y' } } },
    { reason: 'a server with a trailing slash and a path prefix', doc: single({ server: 'https://proxy.example/k8s/clusters/c1/' }), want: { server: 'https://proxy.example/k8s/clusters/c1' } },
  ];
  for (const c of cases) {
    it(`reads ${c.reason}`, async () => {
      assert.deepEqual(await seen(await kubeconfigConnection([kubeconfig(c.doc)])), { ...base, ...c.want });
    });
  }

  it('reads YAML, and picks the context asked for over current-context', async () => {
    const path = kubeconfig(`
apiVersion: v1
kind: Config
current-context: one
clusters:
- name: a
  cluster: { server: "https://a:6443" }
- name: b
  cluster: { server: "https://b:6443" }
contexts:
- { name: one, context: { cluster: a } }
- { name: two, context: { cluster: b, namespace: ns-b } }
`);
    assert.equal((await kubeconfigConnection([path])).server, 'https://a:6443');
    const two = await kubeconfigConnection([path], 'two');
    assert.deepEqual([two.server, two.namespace], ['https://b:6443', 'ns-b']);
  });

  it('merges a KUBECONFIG list: the first file to name an entry or set current-context wins', async () => {
    const first = kubeconfig({ clusters: [{ name: 'k', cluster: { server: 'https://first:6443' } }], users: [], contexts: [] });
    const second = kubeconfig({ ...single({ server: 'https://second:6443' }, { token: 'from-second' }) });
    const c = await kubeconfigConnection([first, second]);
    assert.equal(c.server, 'https://first:6443');
    assert.deepEqual(await c.headers(), { Authorization: 'Bearer from-second' });
  });

  const refusals: { reason: string; doc: unknown; message: RegExp }[] = [
    { reason: 'no current-context', doc: { ...single({}), 'current-context': '' }, message: /sets no current-context/ },
    { reason: 'an unknown context', doc: { ...single({}), 'current-context': 'nope' }, message: /no context named nope/ },
    { reason: 'an unknown cluster', doc: { ...single({}), clusters: [] }, message: /names cluster k, which it does not define/ },
    { reason: 'an unknown user', doc: { ...single({}, { token: 't' }), users: [] }, message: /names user u, which it does not define/ },
    { reason: 'a cluster without server', doc: single({ server: '' }), message: /cluster k has no server/ },
    { reason: 'proxy-url', doc: single({ 'proxy-url': 'http://proxy:3128' }), message: /proxy-url http:\/\/proxy:3128, which mooring does not support/ },
    { reason: 'a CA file that does not exist', doc: single({ 'certificate-authority': 'missing.pem' }), message: /cannot read a file the kubeconfig names: .*missing\.pem/ },
    { reason: 'YAML that does not parse', doc: 'clusters: [unclosed', message: /cannot read the kubeconfig .*kc-/ },
    { reason: 'clusters that are not a list', doc: { clusters: { k: 1 } }, message: /clusters is not a list/ },
  ];
  for (const c of refusals) {
    it(`refuses ${c.reason}, saying so`, async () => {
      await assert.rejects(kubeconfigConnection([kubeconfig(c.doc)]), (err: unknown) => err instanceof KubeconfigError && c.message.test(err.message));
    });
  }

  it('hands exec users to client-node, whose plugin run gives the headers', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } };
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`], interactiveMode: 'Never' };
    const c = await kubeconfigConnection([kubeconfig(single({ 'certificate-authority-data': b64('CA') }, { exec }, { namespace: 'ns' }))]);
    assert.deepEqual([c.server, c.tls.ca?.toString(), c.namespace], ['https://10.0.0.1:6443', 'CA', 'ns']);
    assert.equal((await c.headers()).Authorization, 'Bearer from-exec');
  });
});

describe('fileToken', () => {
  it('re-reads the file once the refresh period passed, and keeps the last token while it cannot', () => {
    const path = file('rotating', 'one\n');
    let now = 0;
    const token = fileToken(path, { refreshMs: 60_000, now: () => now });
    assert.equal(token(), 'one');
    writeFileSync(path, 'two');
    now = 59_999;
    assert.equal(token(), 'one', 'not re-read within the period');
    now = 60_000;
    assert.equal(token(), 'two', 'rotated');
    rmSync(path);
    now = 120_000;
    assert.equal(token(), 'two', 'a failed read keeps the last token');
  });
});

describe('inClusterConnection', () => {
  const sa = join(dir, 'serviceaccount');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), 'sa-token-1');
  writeFileSync(join(sa, 'ca.crt'), 'CLUSTER-CA');
  writeFileSync(join(sa, 'namespace'), 'mooring-system\n');
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };

  it('reads the service account: server, CA, namespace, and a token re-read as it rotates', async () => {
    let now = 0;
    const c = inClusterConnection({ env, dir: sa, now: () => now });
    assert.deepEqual(await seen(c), {
      server: 'https://10.96.0.1:443', ca: 'CLUSTER-CA', cert: undefined, key: undefined, rejectUnauthorized: true, servername: undefined,
      headers: { Authorization: 'Bearer sa-token-1' }, namespace: 'mooring-system',
    });
    writeFileSync(join(sa, 'token'), 'sa-token-2');
    now = 61_000;
    assert.deepEqual(await c.headers(), { Authorization: 'Bearer sa-token-2' });
  });

  it('brackets an IPv6 service host', () => {
    assert.equal(inClusterConnection({ env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, dir: sa }).server, 'https://[fd00::1]:443');
  });

  it('refuses outside a cluster, and without the service account files', () => {
    assert.throws(() => inClusterConnection({ env: {}, dir: sa }), /not running in a cluster.*--kubeconfig/);
    assert.throws(() => inClusterConnection({ env, dir: join(dir, 'nowhere') }), /cannot read the service account/);
  });
});

describe('loadConnection', () => {
  const home = join(dir, 'home');
  mkdirSync(join(home, '.kube'), { recursive: true });
  const at = (server: string) => kubeconfig(single({ server }));
  const explicit = at('https://explicit:1');
  const listed = at('https://listed:1');
  writeFileSync(join(home, '.kube', 'config'), JSON.stringify(single({ server: 'https://home:1' })));
  const sa = join(dir, 'serviceaccount');
  const inCluster = { KUBERNETES_SERVICE_HOST: 'in-cluster', KUBERNETES_SERVICE_PORT: '1' };
  const cases: { reason: string; kubeconfig?: string; env: Record<string, string>; home: string; want: string }[] = [
    { reason: '--kubeconfig over everything', kubeconfig: explicit, env: { KUBECONFIG: listed, ...inCluster }, home, want: 'https://explicit:1' },
    { reason: 'KUBECONFIG over in-cluster, skipping missing files', env: { KUBECONFIG: [join(dir, 'missing'), listed].join(delimiter), ...inCluster }, home, want: 'https://listed:1' },
    { reason: 'in-cluster over ~/.kube/config', env: inCluster, home, want: 'https://in-cluster:1' },
    { reason: '~/.kube/config last', env: {}, home, want: 'https://home:1' },
  ];
  // The operator's connection and the CLI's client-node KubeConfig come from one search.
  const loaders = {
    loadConnection: async (o: LoadOptions) => (await loadConnection(o)).server,
    loadKubeConfig: async (o: LoadOptions) => (await loadKubeConfig(o)).getCurrentCluster()?.server,
  };
  for (const [loader, server] of Object.entries(loaders)) {
    for (const c of cases) {
      it(`${loader} takes ${c.reason}`, async () => {
        assert.equal(await server({ kubeconfig: c.kubeconfig, env: c.env, home: c.home, serviceAccountDir: sa }), c.want);
      });
    }

    it(`${loader} says what to give when nothing is found`, async () => {
      await assert.rejects(server({ env: {}, home: join(dir, 'no-home') }), /no kubeconfig found: give --kubeconfig/);
      await assert.rejects(server({ env: { KUBECONFIG: join(dir, 'missing') }, home }), /none of the files in KUBECONFIG exists/);
      await assert.rejects(server({ kubeconfig: join(dir, 'missing'), env: {}, home }), (err: unknown) => err instanceof KubeconfigError && /cannot read the kubeconfig .*missing/.test(err.message));
    });
  }

  it('loadKubeConfig picks the asked context of merged files, or names those there are', async () => {
    const two = kubeconfig({
      'current-context': 'one',
      clusters: [{ name: 'a', cluster: { server: 'https://a:1', 'certificate-authority': 'ca.pem' } }, { name: 'b', cluster: { server: 'https://b:1' } }],
      users: [{ name: 'u', user: { token: 'T' } }],
      contexts: [{ name: 'one', context: { cluster: 'a', user: 'u' } }, { name: 'two', context: { cluster: 'b', user: 'u', namespace: 'ns' } }],
    });
    const first = await loadKubeConfig({ kubeconfig: two, env: {}, home });
    assert.equal(first.getCurrentContext(), 'one');
    // Relative file paths are the file's, as client-go reads them.
    assert.equal(first.getCurrentCluster()?.caFile, join(dir, 'ca.pem'));
    const second = await loadKubeConfig({ kubeconfig: two, context: 'two', env: {}, home });
    assert.deepEqual([second.getCurrentCluster()?.server, second.getContextObject('two')?.namespace], ['https://b:1', 'ns']);
    await assert.rejects(loadKubeConfig({ kubeconfig: two, context: 'three', env: {}, home }), /no context named three \(it has: one, two\)/);
  });

  it('loadKubeConfig in a cluster reads the service account directory as the operator does', async () => {
    const kc = await loadKubeConfig({ env: inCluster, home, serviceAccountDir: sa });
    assert.equal(kc.getCurrentCluster()?.caFile, join(sa, 'ca.crt'));
    assert.equal(kc.getCurrentCluster()?.server, 'https://in-cluster:1');
    assert.equal(kc.getContextObject(kc.getCurrentContext())?.namespace, 'mooring-system');
    await assert.rejects(loadKubeConfig({ env: inCluster, home, serviceAccountDir: join(dir, 'nowhere') }), /cannot read the service account/);
  });
});
