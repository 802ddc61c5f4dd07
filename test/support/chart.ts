// The operator as the chart installs it, outside a pod: the chart rendered and applied (its CRDs,
// ServiceAccount, Roles and bindings), a token for its ServiceAccount (TokenRequest), and
// `mooring run` with the Deployment's own arguments under that token. Tests that must hold under
// the chart's RBAC, not an admin's, start the operator this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type KubernetesObject, type V1Deployment } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { helmTemplate } from '../../src/generate/manifests.ts';
import { binaries } from '../../src/stack/versions.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface Release {
  name: string;
  namespace: string;
}

/** `helm template` as objects; a template that renders nothing is skipped. */
export function renderChart(release: Release, values: string[]): KubernetesObject[] {
  return (loadAll(helmTemplate(binaries().helm, release, values)) as (KubernetesObject | null)[]).filter((o): o is KubernetesObject => Boolean(o?.kind));
}

/** A kubeconfig for `admin`'s apiserver that authenticates with a bearer token only. */
export function tokenKubeconfig(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stack', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: 'mooring-operator', token }],
    contexts: [{ name: 'operator', cluster: 'stack', user: 'mooring-operator' }],
    currentContext: 'operator',
  });
  return kc;
}

/** A kubeconfig file in `dir` for the chart's ServiceAccount (an hour's token). */
export async function serviceAccountKubeconfig(admin: KubeConfig, release: Release, dir: string): Promise<{ kc: KubeConfig; file: string }> {
  const name = `${release.name}-mooring`;
  const { status } = await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name, namespace: release.namespace, body: { spec: { expirationSeconds: 3600 } } });
  if (!status?.token) throw new Error(`TokenRequest for ${release.namespace}/${name} returned no token`);
  const kc = tokenKubeconfig(admin, status.token);
  const file = join(dir, `${release.name}.kubeconfig`);
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return { kc, file };
}

/** `mooring run` with the rendered Deployment's arguments, a kubeconfig and a free port; `extra` flags last (they win). */
export function spawnChartOperator(rendered: KubernetesObject[], kubeconfig: string, log: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const container = (rendered.find((o) => o.kind === 'Deployment') as V1Deployment).spec!.template.spec!.containers[0]!;
  writeFileSync(log, '');
  const args = [...container.args!, '--kubeconfig', kubeconfig, '--bind-address', '127.0.0.1:0', '--log-level', 'debug', ...extra];
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  // A file run alone stops its stack (and removes its folder) before its own after hooks stop us.
  const append = (chunk: Buffer) => {
    try {
      appendFileSync(log, chunk);
    } catch {
      // the log's folder is gone: nothing left to tell
    }
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  return child;
}

/** SIGTERM, and the exit code once it is gone. */
export async function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  return new Promise((resolve) => child.once('exit', resolve));
}
