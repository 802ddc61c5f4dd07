// Where the operator's apiserver connection comes from, found the way controller-runtime finds it:
// --kubeconfig, else $KUBECONFIG, else the in-cluster service account, else ~/.kube/config.
// Issue 8: `mooring run` must not load @kubernetes/client-node (about 85 MiB resident) for this,
// so the common shapes are read here, and only a kubeconfig user with `exec` or `auth-provider`
// (cloud login plugins) loads client-node to compute its headers (client-node-auth.ts).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isIPv6 } from 'node:net';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { fileOrData, type KubeConnection, type KubeTls } from './connection.ts';
import { KubeconfigError, readKubeconfigs, selectContext, type Kubeconfig, type KubeconfigCluster, type KubeconfigUser } from './kubeconfig.ts';

export { KubeconfigError } from './kubeconfig.ts';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** client-go re-reads a token file once a minute: bound service-account tokens rotate. */
export const TOKEN_REFRESH_MS = 60_000;

/**
 * A token file read at most once per `refreshMs`. The first read must succeed; a later failed
 * read (the kubelet swaps the file by a rename) keeps the last token until the next try.
 */
export function fileToken(path: string, options: { refreshMs?: number; now?: () => number } = {}): () => string {
  const refreshMs = options.refreshMs ?? TOKEN_REFRESH_MS;
  const now = options.now ?? Date.now;
  let token = readFileSync(path, 'utf8').trim();
  let readAt = now();
  return () => {
    if (now() - readAt < refreshMs) return token;
    readAt = now();
    try {
      token = readFileSync(path, 'utf8').trim();
    } catch {
      // keep the last token; the next request tries again after refreshMs
    }
    return token;
  };
}

export interface InClusterOptions {
  env?: NodeJS.ProcessEnv;
  /** Default SERVICE_ACCOUNT_DIR. */
  dir?: string;
  tokenRefreshMs?: number;
  now?: () => number;
}

/** The pod's service account: KUBERNETES_SERVICE_HOST/PORT, its token, ca.crt and namespace. */
export function inClusterConnection(options: InClusterOptions = {}): KubeConnection {
  const env = options.env ?? process.env;
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeconfigError('not running in a cluster (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are unset); give a kubeconfig with --kubeconfig or KUBECONFIG');
  let token: () => string;
  let ca: Buffer;
  try {
    token = fileToken(join(dir, 'token'), { refreshMs: options.tokenRefreshMs, now: options.now });
    ca = readFileSync(join(dir, 'ca.crt'));
  } catch (err) {
    throw new KubeconfigError(`cannot read the service account in ${dir}: ${(err as Error).message}`);
  }
  const namespaceFile = join(dir, 'namespace');
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ca, rejectUnauthorized: true },
    headers: async () => ({ Authorization: `Bearer ${token()}` }),
    namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined,
  };
}

/** The connection of a kubeconfig (files merged as a KUBECONFIG list is) and one of its contexts. */
export async function kubeconfigConnection(files: readonly string[], context?: string): Promise<KubeConnection> {
  const config = readKubeconfigs(files);
  const selected = selectContext(config, context);
  const { cluster, user } = selected;
  if (cluster['proxy-url']) throw new KubeconfigError(`the kubeconfig's context ${selected.context} reaches its cluster through proxy-url ${cluster['proxy-url']}, which mooring does not support; reach the apiserver directly (or through a proxy in front of it as the server URL)`);
  if (user.exec || user['auth-provider']) return delegated(config, selected.context);
  return { server: trimSlash(cluster.server ?? ''), tls: tlsOf(cluster, user), headers: headersOf(user), namespace: selected.namespace };
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function tlsOf(cluster: KubeconfigCluster, user: KubeconfigUser): KubeTls {
  try {
    const insecure = cluster['insecure-skip-tls-verify'] === true;
    return {
      // client-go refuses a CA together with insecure; ignoring the CA is the lenient reading.
      ca: insecure ? undefined : fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']),
      cert: fileOrData(user['client-certificate'], user['client-certificate-data']),
      key: fileOrData(user['client-key'], user['client-key-data']),
      rejectUnauthorized: !insecure,
      servername: cluster['tls-server-name'] || undefined,
    };
  } catch (err) {
    throw new KubeconfigError(`cannot read a file the kubeconfig names: ${(err as Error).message}`);
  }
}

/** Bearer token (a tokenFile wins over token, and is re-read), else basic auth; plus impersonation. */
function headersOf(user: KubeconfigUser): () => Promise<Record<string, string>> {
  const fixed: Record<string, string> = {};
  if (user.as) fixed['Impersonate-User'] = user.as;
  let token: (() => string) | undefined;
  if (user.tokenFile) {
    try {
      token = fileToken(user.tokenFile);
    } catch (err) {
      throw new KubeconfigError(`cannot read the kubeconfig's tokenFile: ${(err as Error).message}`);
    }
  } else if (user.token) {
    const value = user.token;
    token = () => value;
  } else if (user.username) {
    fixed.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}`;
  }
  return async () => (token ? { ...fixed, Authorization: `Bearer ${token()}` } : fixed);
}

/** exec and auth-provider users: client-node runs the plugin; its memory cost comes only with them. */
async function delegated(config: Kubeconfig, context: string): Promise<KubeConnection> {
  const { clientNodeConfig, connectionOf } = await import('./client-node-auth.ts');
  return connectionOf(await clientNodeConfig(config, context));
}

export interface LoadOptions {
  /** --kubeconfig: the one file to use. */
  kubeconfig?: string | undefined;
  /** Default the kubeconfig's current-context. */
  context?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Default the user's home directory. */
  home?: string;
  /** Default SERVICE_ACCOUNT_DIR. */
  serviceAccountDir?: string;
}

/** Where a kubeconfig was found: files (merged as a KUBECONFIG list is), or the pod's service account. */
export type KubeconfigSource = { files: string[]; inCluster?: undefined } | { inCluster: { env: NodeJS.ProcessEnv; dir?: string | undefined }; files?: undefined };

/**
 * The one search order, for the operator and every CLI command alike: --kubeconfig, else
 * $KUBECONFIG (a list; missing files skipped), else in-cluster, else ~/.kube/config.
 */
export function findKubeconfig(options: LoadOptions = {}): KubeconfigSource {
  const env = options.env ?? process.env;
  if (options.kubeconfig) return { files: [options.kubeconfig] };
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (listed.length) {
    const present = listed.filter((f) => existsSync(f));
    if (!present.length) throw new KubeconfigError(`none of the files in KUBECONFIG exists: ${listed.join(delimiter)}`);
    return { files: present };
  }
  if (env.KUBERNETES_SERVICE_HOST) return { inCluster: { env, dir: options.serviceAccountDir } };
  const home = join(options.home ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return { files: [home] };
  throw new KubeconfigError('no kubeconfig found: give --kubeconfig, set KUBECONFIG, create ~/.kube/config, or run in a cluster');
}

/** The operator's own connection, from the kubeconfig `findKubeconfig` finds. */
export async function loadConnection(options: LoadOptions = {}): Promise<KubeConnection> {
  const source = findKubeconfig(options);
  if (source.inCluster) return inClusterConnection(source.inCluster);
  return kubeconfigConnection(source.files, options.context);
}

/**
 * The same kubeconfig as a client-node KubeConfig, for the commands that talk through client-node's
 * API classes (plan, refresh, doctor). Loads client-node; the operator never calls this.
 */
export async function loadKubeConfig(options: LoadOptions = {}): Promise<KubeConfig> {
  const source = findKubeconfig(options);
  const { clientNodeConfig, inClusterConfig } = await import('./client-node-auth.ts');
  if (source.inCluster) {
    // Read by our loader first, so a missing service account fails as the operator's does.
    const { server, namespace } = inClusterConnection(source.inCluster);
    return inClusterConfig(server, source.inCluster.dir ?? SERVICE_ACCOUNT_DIR, namespace);
  }
  const config = readKubeconfigs(source.files);
  return clientNodeConfig(config, selectContext(config, options.context).context);
}
