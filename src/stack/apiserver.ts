// kube-apiserver the envtest way: no kubelet, no scheduler, no controller manager. It serves the
// API, stores in etcd, and authenticates an admin by client certificate.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { ControlPlaneCerts } from './certs.ts';
import { freePort } from './ports.ts';
import { Server } from './process.ts';

export interface ApiServer {
  server: Server;
  url: string;
  kubeconfig: string;
}

function get(url: string, certs: ControlPlaneCerts): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      ca: readFileSync(certs.caCert),
      cert: readFileSync(certs.adminCert),
      key: readFileSync(certs.adminKey),
      timeout: 2000,
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export function kubeconfigYaml(url: string, certs: ControlPlaneCerts): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: mooring-local
  cluster:
    server: ${url}
    certificate-authority-data: ${b64(certs.caCert)}
users:
- name: mooring-admin
  user:
    client-certificate-data: ${b64(certs.adminCert)}
    client-key-data: ${b64(certs.adminKey)}
contexts:
- name: mooring-local
  context:
    cluster: mooring-local
    user: mooring-admin
    namespace: default
current-context: mooring-local
`;
}

export async function startApiServer(binary: string, dir: string, etcdUrl: string, certs: ControlPlaneCerts, port?: number): Promise<ApiServer> {
  const securePort = port ?? (await freePort());
  const url = `https://127.0.0.1:${securePort}`;
  const server = new Server({
    name: 'kube-apiserver',
    command: binary,
    args: [
      `--etcd-servers=${etcdUrl}`,
      `--secure-port=${securePort}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${certs.serverCert}`, `--tls-private-key-file=${certs.serverKey}`,
      `--client-ca-file=${certs.caCert}`,
      `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
      `--service-account-key-file=${certs.saPub}`, `--service-account-signing-key-file=${certs.saKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // No controller manager runs to make service accounts, so pods would be refused without it.
      '--disable-admission-plugins=ServiceAccount',
      '--v=1',
    ],
    logFile: join(dir, 'kube-apiserver.log'),
  });
  await server.waitReady(async () => (await get(`${url}/readyz`, certs)) === 200, 90_000);
  // Ready means the API serves; the bootstrap controller makes `default` shortly after.
  await server.waitReady(async () => (await get(`${url}/api/v1/namespaces/default`, certs)) === 200, 30_000);
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(url, certs), { mode: 0o600 });
  return { server, url, kubeconfig };
}
