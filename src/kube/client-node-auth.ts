// A connection from a client-node KubeConfig the caller already holds (CLI commands, tests), and
// the fallback for kubeconfig users with `exec` or `auth-provider`. Type-only import: this module
// never loads client-node itself.
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { fileOrData, type KubeConnection } from './config.ts';

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
