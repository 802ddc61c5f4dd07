// The bridge to @kubernetes/client-node, both ways: a connection from a client-node KubeConfig a
// caller already holds (CLI commands, tests), and a client-node KubeConfig from what config.ts
// found (for exec and auth-provider users, and for the CLI commands built on client-node's API
// classes). client-node itself is only ever imported on demand: client.ts imports this module,
// and `mooring run` must not pay client-node's memory for a plain kubeconfig.
import type { RequestOptions } from 'node:https';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { fileOrData, type KubeConnection } from './connection.ts';
import type { Kubeconfig } from './kubeconfig.ts';

/** The current context's cluster and user; the headers come from client-node on every request. */
export function connectionOf(kc: KubeConfig): KubeConnection {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const user = kc.getCurrentUser();
  return {
    server: cluster.server.replace(/\/+$/, ''),
    tls: {
      ca: cluster.skipTLSVerify ? undefined : fileOrData(cluster.caFile, cluster.caData),
      cert: fileOrData(user?.certFile, user?.certData),
      key: fileOrData(user?.keyFile, user?.keyData),
      rejectUnauthorized: !cluster.skipTLSVerify,
      servername: cluster.tlsServerName || undefined,
    },
    // client-node runs exec plugins and refreshes their credentials inside this call.
    headers: async () => {
      const options: RequestOptions = {};
      await kc.applyToHTTPSOptions(options);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(options.headers ?? {})) if (v !== undefined) headers[k] = String(v);
      if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
      return headers;
    },
    namespace: kc.getContextObject(kc.getCurrentContext())?.namespace,
  };
}

/** The merged kubeconfig files (their paths already made absolute) at `context`, as client-node reads them. */
export async function clientNodeConfig(config: Kubeconfig, context: string): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(JSON.stringify(config));
  kc.setCurrentContext(context);
  return kc;
}

/** The pod's service account in `dir`, as client-node's loadFromCluster sets it up. */
export async function inClusterConfig(server: string, dir: string, namespace: string | undefined): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'inCluster', server, caFile: join(dir, 'ca.crt'), skipTLSVerify: false }],
    users: [{ name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(dir, 'token') } } }],
    contexts: [{ name: 'inClusterContext', cluster: 'inCluster', user: 'inClusterUser', namespace }],
    currentContext: 'inClusterContext',
  });
  return kc;
}
