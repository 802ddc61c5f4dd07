// How to reach one apiserver as one identity: what every way of loading a kubeconfig produces
// (config.ts from the files or the pod, client-node-auth.ts from a client-node KubeConfig), and
// what the client (client.ts) consumes.
import { readFileSync } from 'node:fs';

export interface KubeTls {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  /** False only for insecure-skip-tls-verify. */
  rejectUnauthorized: boolean;
  servername?: string | undefined;
}

/** How to reach one apiserver as one identity. */
export interface KubeConnection {
  /** `https://host:port`, plus any path prefix a proxy in front of the apiserver needs; no trailing slash. */
  server: string;
  tls: KubeTls;
  /** The headers each request carries; called per request, so a rotated token is picked up. */
  headers(): Promise<Record<string, string>>;
  /** The context's (or the pod's) namespace, if it has one. */
  namespace?: string | undefined;
}

/** A kubeconfig's `x` (a file) or `x-data` (base64), whichever is set. */
export function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return readFileSync(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}
