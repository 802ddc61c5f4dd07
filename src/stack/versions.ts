// What the test stack is made of, pinned, and where each built part is cached. The Kubernetes and
// etcd releases are read from the wrapper modules' go.mod so the pin is written once.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const goDir = join(import.meta.dirname, 'go');

function requiredVersion(module: string, dir: string): string {
  const gomod = readFileSync(join(goDir, dir, 'go.mod'), 'utf8');
  const match = new RegExp(`^require ${module.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(gomod);
  if (!match?.[1]) throw new Error(`cannot find the pinned version of ${module} in ${dir}/go.mod`);
  return match[1];
}

export const KUBE_VERSION = requiredVersion('k8s.io/kubernetes', 'kube');
export const ETCD_VERSION = requiredVersion('go.etcd.io/etcd/server/v3', 'etcd');
export const HELM_VERSION = requiredVersion('helm.sh/helm/v3', 'helm');
export const MOTO_VERSION = '5.2.5';
export const POSTGRES_MAJOR = 15;
/** PowerDNS Authoritative comes from Debian's packages (bookworm: 4.7.x); the API is v1 since 4.0. */
export const PDNS_PACKAGES = ['pdns-server', 'pdns-backend-sqlite3'];
/** The Go release the Kubernetes wrapper module needs (its go.mod `go` line). */
export const GO_MINIMUM = '1.26.0';

export const GO_MODULE_DIRS = { kube: join(goDir, 'kube'), etcd: join(goDir, 'etcd'), helm: join(goDir, 'helm') };

/** Per-user cache that survives between runs on one machine; MOORING_CACHE overrides it. */
export function cacheRoot(): string {
  if (process.env.MOORING_CACHE) return process.env.MOORING_CACHE;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'mooring');
}

export function binaries(root = cacheRoot()) {
  return {
    kubeApiserver: join(root, `kube-${KUBE_VERSION}`, 'kube-apiserver'),
    kubectl: join(root, `kube-${KUBE_VERSION}`, 'kubectl'),
    etcd: join(root, `etcd-${ETCD_VERSION}`, 'etcd'),
    helm: join(root, `helm-${HELM_VERSION}`, 'helm'),
    motoServer: join(root, `moto-${MOTO_VERSION}`, 'venv', 'bin', 'moto_server'),
    postgresBin: `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`,
    pdnsServer: '/usr/sbin/pdns_server',
    /** The sqlite3 schema pdns-backend-sqlite3 ships; its presence says the backend is installed. */
    pdnsSqliteSchema: '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql',
  };
}
export type Binaries = ReturnType<typeof binaries>;
