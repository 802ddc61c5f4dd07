// Reading kubeconfig files as client-go does, for the fields an operator's kubeconfig uses. Only
// the file's shape lives here; what a connection makes of it is config.ts's job.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  as?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** One list entry: a name, and its settings under the kind's key (`{ name, cluster: {...} }`). */
interface Entry {
  name: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  'current-context'?: string;
  clusters: { name: string; cluster: KubeconfigCluster }[];
  users: { name: string; user: KubeconfigUser }[];
  contexts: { name: string; context: KubeconfigContext }[];
}

/** What the named (or current) context picks out. */
export interface SelectedContext {
  context: string;
  cluster: KubeconfigCluster;
  /** Anonymous when the context names no user. */
  user: KubeconfigUser;
  namespace?: string | undefined;
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

// File-valued fields are relative to the file that names them, as in client-go.
const CLUSTER_FILES = ['certificate-authority'] as const;
const USER_FILES = ['client-certificate', 'client-key', 'tokenFile'] as const;

/**
 * Reads the files and merges them: the first file to name a cluster, user or context, or to set
 * current-context, wins (client-go's rule for a KUBECONFIG list).
 */
export function readKubeconfigs(files: readonly string[]): Kubeconfig {
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] };
  for (const file of files) {
    const one = readOne(file);
    merged['current-context'] ||= one['current-context'];
    addNew(merged.clusters, one.clusters);
    addNew(merged.users, one.users);
    addNew(merged.contexts, one.contexts);
  }
  return merged;
}

function readOne(file: string): Kubeconfig {
  let raw: unknown;
  try {
    raw = load(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new KubeconfigError(`cannot read the kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const doc = (raw ?? {}) as Partial<Kubeconfig>;
  const dir = dirname(file);
  const absolute = <T extends object>(value: T | undefined, keys: readonly string[]): T => {
    const copy = { ...(value ?? {}) } as Record<string, unknown>;
    for (const k of keys) if (typeof copy[k] === 'string' && copy[k] !== '' && !isAbsolute(copy[k])) copy[k] = join(dir, copy[k]);
    return copy as T;
  };
  return {
    'current-context': doc['current-context'],
    clusters: entries(doc.clusters, file, 'clusters').map((c) => ({ name: c.name, cluster: absolute(c.cluster as KubeconfigCluster, CLUSTER_FILES) })),
    users: entries(doc.users, file, 'users').map((u) => ({ name: u.name, user: absolute(u.user as KubeconfigUser, USER_FILES) })),
    contexts: entries(doc.contexts, file, 'contexts').map((c) => ({ name: c.name, context: { ...(c.context as KubeconfigContext | undefined) } })),
  };
}

function entries(list: unknown, file: string, key: string): Entry[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeconfigError(`the kubeconfig ${file}: ${key} is not a list`);
  return list.map((e: unknown, i) => {
    const name = (e as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name === '') throw new KubeconfigError(`the kubeconfig ${file}: ${key}[${i}].name is missing`);
    return e as Entry;
  });
}

function addNew<T extends { name: string }>(into: T[], from: T[]): void {
  for (const e of from) if (!into.some((have) => have.name === e.name)) into.push(e);
}

/** The context `name` (default current-context), with its cluster and user. */
export function selectContext(config: Kubeconfig, name?: string): SelectedContext {
  const wanted = name || config['current-context'];
  if (!wanted) throw new KubeconfigError('the kubeconfig sets no current-context (and no context was asked for)');
  const context = config.contexts.find((c) => c.name === wanted)?.context;
  if (!context) throw new KubeconfigError(`the kubeconfig has no context named ${wanted} (it has: ${config.contexts.map((c) => c.name).join(', ') || 'none'})`);
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new KubeconfigError(`the kubeconfig's context ${wanted} names cluster ${context.cluster ?? '(none)'}, which it does not define`);
  if (!cluster.server) throw new KubeconfigError(`the kubeconfig's cluster ${context.cluster} has no server`);
  const user = context.user ? config.users.find((u) => u.name === context.user)?.user : {};
  if (!user) throw new KubeconfigError(`the kubeconfig's context ${wanted} names user ${context.user}, which it does not define`);
  return { context: wanted, cluster, user, namespace: context.namespace || undefined };
}
