// `mooring doctor` as a user runs it, against the real stack: a healthy setup passes, and broken
// ProviderConfigs and missing permissions are each explained with what to fix.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { clusterId, emulatorProviderConfig, GRANT_ALL, installCrds, kubeConfig, postgresProviderConfig, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'aws', 'postgres']);
let kc: KubeConfig;
const main = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function doctor(...args: string[]): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [main, 'doctor', '--kubeconfig', stack().kube!.kubeconfig, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, out: result.stdout + result.stderr };
}

const line = (out: string, check: string) => out.split('\n').findIndex((l) => new RegExp(`^ {2}(ok {2}|FAIL) {2}${check.replaceAll('/', '\\/')} `).test(l));

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
});

describe('mooring doctor', () => {
  it('passes a healthy setup: CRDs current, RBAC enough, aws and postgres ProviderConfigs answering', async () => {
    const aws = await emulatorProviderConfig(kc, stack());
    const pg = await postgresProviderConfig(kc, uniq('pg'), { url: stack().postgres!.url });
    const { code, out } = doctor('--provider-config', aws, '--provider-config', pg);
    assert.equal(code, 0, out);
    assert.match(out, /^ {2}ok {4}crds +4 CRDs installed and current$/m);
    assert.match(out, /^ {2}ok {4}rbac +the kubeconfig's identity .* may do all \d+ things the operator does$/m);
    assert.match(out, new RegExp(`ok {4}providerconfig/${aws} +STS GetCallerIdentity answered at ${stack().aws!.endpoint}: account 123456789012 as arn:aws:sts::123456789012:`));
    assert.match(out, new RegExp(`ok {4}providerconfig/${pg} +PostgreSQL at 127\\.0\\.0\\.1:${stack().postgres!.port} answered SELECT 1 as postgres`));
    // The ownership id the operator marks with: this cluster's own (the configs name none).
    const id = await clusterId(kc);
    assert.match(out, new RegExp(`ok {4}ownership/${aws} +ownership id ${id} \\(this cluster's own, from the kube-system Namespace's uid\\); marks Readable`));
    assert.match(out, new RegExp(`ok {4}ownership/${pg} +ownership id ${id} `));
    // 2 configs: a probe and an ownership line each; their two tenancy warnings each are not checks.
    assert.match(out, /all 7 checks passed\. 4 warnings\./);
  });

  it('explains a ProviderConfig whose endpoint does not answer, and one whose Secret is missing', async () => {
    const unreachable = await emulatorProviderConfig(kc, stack(), uniq('wrong-endpoint'), { endpoint: 'http://127.0.0.1:9' });
    const secretless = await emulatorProviderConfig(kc, stack(), uniq('no-secret'), { withSecret: false });
    const { code, out } = doctor('--provider-config', unreachable, '--provider-config', secretless);
    assert.equal(code, 1, out);
    const lines = out.split('\n');
    const at = line(out, `providerconfig/${unreachable}`);
    assert.match(lines[at]!, /FAIL .*ProviderUnavailable: STS GetCallerIdentity at http:\/\/127\.0\.0\.1:9 failed/);
    assert.match(lines[at + 1]!, /fix: nothing answered at http:\/\/127\.0\.0\.1:9: check spec\.endpoint/);
    const missing = line(out, `providerconfig/${secretless}`);
    assert.match(lines[missing]!, new RegExp(`FAIL .*CredentialsNotFound: the credentials Secret default/${secretless}-creds .* does not exist`));
    assert.match(lines[missing + 1]!, new RegExp(`fix: create Secret default/${secretless}-creds \\(aws: keys accessKeyId and secretAccessKey`));
    assert.match(out, /2 of 7 checks failed\./);
  });

  it('explains wrong credentials without quoting them', async () => {
    const name = uniq('wrong-password');
    const url = new URL(stack().postgres!.url);
    url.password = 'not-the-password-7f3a';
    await postgresProviderConfig(kc, name, { url: url.toString() });
    const { code, out } = doctor('--provider-config', name);
    assert.equal(code, 1, out);
    assert.match(out, new RegExp(`FAIL .*providerconfig/${name} +InvalidCredentials: .*\\n.*fix: the cloud does not accept the credentials in Secret default/${name}-admin`));
    assert.ok(!out.includes('not-the-password-7f3a'), 'the password never appears');
  });

  it('lists what a ServiceAccount without the operator\'s role may not do', () => {
    const { code, out } = doctor('--service-account', 'default/nobody', '--provider-config', 'none-such');
    assert.equal(code, 1, out);
    assert.match(out, /FAIL {2}rbac +ServiceAccount default\/nobody lacks \d+ of \d+ permissions: rule providerconfigs \(to read ProviderConfigs\): lacks get mooring\.dev\/providerconfigs, list mooring\.dev\/providerconfigs, watch mooring\.dev\/providerconfigs; without it the ProviderConfig cache never syncs/);
    assert.match(out, /create core\/secrets/);
    assert.match(out, /FAIL {2}providerconfig\/none-such +does not exist/);
  });

  it("checks a plugin's ProviderConfig with the plugin's probe once --providers loads it", async () => {
    const work = mkdtempSync(join(tmpdir(), 'mooring-doctor-plugin-'));
    try {
      const made = spawnSync(process.execPath, [main, 'new-provider', 'folders', '--dir', join(work, 'plugin')], { encoding: 'utf8' });
      assert.equal(made.status, 0, made.stderr);
      const name = uniq('folders');
      await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
        group: GROUP, version: VERSION, plural: 'providerconfigs',
        body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name }, spec: { type: 'folders', settings: { root: work }, grants: GRANT_ALL } },
      });
      const without = doctor('--provider-config', name);
      assert.equal(without.code, 1, without.out);
      assert.match(without.out, new RegExp(`FAIL {2}providerconfig/${name} +type folders: no loaded provider serves it`));
      const { code, out } = doctor('--provider-config', name, '--providers', join(work, 'plugin'));
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`ok {4}providerconfig/${name} +root folder ${work} holds 1 entries`));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses bad usage with exit code 2 and points at --help', () => {
    const { code, out } = doctor('--service-account', 'nobody');
    assert.equal(code, 2);
    assert.match(out, /--service-account takes NAMESPACE\/NAME, got "nobody"[\s\S]*mooring doctor --help/);
  });
});
