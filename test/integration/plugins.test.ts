// A provider plugin end to end: the package `mooring new-provider` writes (Buckets kept as
// folders), loaded by a real `mooring run --providers <its folder>` process against the real
// apiserver. A Bucket whose ProviderConfig has the plugin's type becomes Ready through the plugin;
// its folder (checked with node:fs, never through the plugin) appears with our mark, and goes
// with the Bucket.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, GROUP, VERSION } from '../../src/api/common.ts';
import { condition, GRANT_ALL, createNamespace, eventually, installCrds, kubeConfig, markOf, objects, uniq } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
const TYPE = 'folders';
const stack = useStack(['kube']);
const work = mkdtempSync(join(tmpdir(), 'mooring-plugin-'));
const root = join(work, 'buckets');
let kc: KubeConfig;
let ns: string;
let pc: string;
let operator: ChildProcess | undefined;

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  const made = spawnSync(process.execPath, [MAIN, 'new-provider', TYPE, '--dir', join(work, 'plugin')], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  mkdirSync(root);
  pc = uniq('folders');
  await kc.makeApiClient(CustomObjectsApi).createClusterCustomObject({
    group: GROUP, version: VERSION, plural: 'providerconfigs',
    body: { apiVersion: API_VERSION, kind: 'ProviderConfig', metadata: { name: pc }, spec: { type: TYPE, settings: { root }, grants: GRANT_ALL } },
  });
  const log = createWriteStream(join(stack().dir, `operator-${ns}.log`), { flags: 'a' });
  operator = spawn(process.execPath, [
    MAIN, 'run', '--kubeconfig', stack().kube!.kubeconfig, '--namespace', ns, '--log-level', 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default',
    '--providers', join(work, 'plugin'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  operator.stdout!.pipe(log);
  operator.stderr!.pipe(log);
});
after(() => {
  operator?.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

describe('a provider plugin loaded with --providers', () => {
  it('serves a Bucket whose ProviderConfig has its type: Ready, the folder made and marked, removed on delete', async () => {
    const name = uniq('reports');
    await objects(kc, 'buckets').create(ns, name, { providerConfigRef: { name: pc }, tags: { team: 'a' } });
    const ready = await eventually(async () => {
      const b = await objects(kc, 'buckets').get(ns, name);
      return condition(b, 'Ready')?.status === 'True' ? b : undefined;
    }, `Bucket ${name} Ready through the plugin`, 60_000, async () => JSON.stringify((await objects(kc, 'buckets').tryGet(ns, name))?.status));
    assert.equal(condition(ready, 'Ready')?.reason, 'Available');
    assert.deepEqual(ready.status?.atProvider, { arn: `file://${join(root, name)}` });
    assert.equal(readFileSync(join(root, name, '.mooring-owner'), 'utf8'), await markOf(kc, 'buckets', ns, name));
    assert.deepEqual(JSON.parse(readFileSync(join(root, name, '.mooring-tags.json'), 'utf8')), { team: 'a' });

    await objects(kc, 'buckets').remove(ns, name);
    await eventually(async () => !(await objects(kc, 'buckets').tryGet(ns, name)), `Bucket ${name} gone`, 60_000);
    assert.ok(!existsSync(join(root, name)), 'the plugin deleted the folder before the finalizer went');
  });
});
