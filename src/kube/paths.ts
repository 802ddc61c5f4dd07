// REST paths of the apiserver, built in one place: `/api/v1/...` for the core group,
// `/apis/<group>/<version>/...` for the others; names and namespaces URL-encoded.

export interface ResourcePath {
  /** '' for the core group (Secrets, Events). */
  group: string;
  version: string;
  /** As in the URL: `buckets`, `leases`. */
  plural: string;
  /** Unset: every namespace, or a cluster-scoped resource. */
  namespace?: string | undefined;
  name?: string | undefined;
  /** `status` for the status subresource. */
  subresource?: string | undefined;
}

export function resourcePath(p: ResourcePath): string {
  const api = p.group ? `/apis/${p.group}/${p.version}` : `/api/${p.version}`;
  const ns = p.namespace ? `/namespaces/${encodeURIComponent(p.namespace)}` : '';
  const name = p.name ? `/${encodeURIComponent(p.name)}${p.subresource ? `/${p.subresource}` : ''}` : '';
  return `${api}${ns}/${p.plural}${name}`;
}
