// `mooring refresh KIND/NAME`: asks the operator to observe and reconcile one resource now, by
// setting the annotation mooring.dev/refresh-requested-at to the current time. The operator's
// watch sees the metadata change and reconciles at once (even inside a failure backoff), then
// records the value it handled in status.lastRefresh; --wait waits for that.
import { parseArgs } from 'node:util';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, REFRESH_REQUESTED_AT, VERSION } from '../api/common.ts';
import { loadKubeConfig, managedKindNamed } from './kube.ts';
import { UsageError } from './usage.ts';

export const REFRESH_HELP = `usage: mooring refresh KIND/NAME [options]

Asks the operator to observe KIND/NAME in the cloud and reconcile it now, instead of at the next
resync: sets the annotation ${REFRESH_REQUESTED_AT} to the current time. The operator records
the value it handled in status.lastRefresh.

KIND is a kind, plural or short name (Bucket, buckets, bkt, dnsrecord, databases …).

options:
  -n, --namespace NS     the resource's namespace (default: the kubeconfig context's, else default)
      --kubeconfig FILE  default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config
      --wait             wait until the operator has handled the request; print the Ready condition
      --timeout SECONDS  how long --wait waits (default 60)`;

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface Status {
  lastRefresh?: string;
  conditions?: { type: string; status: string; reason: string; message?: string }[];
}

export async function refresh(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      kubeconfig: { type: 'string' },
      wait: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '60' },
    },
  });
  const [target] = positionals;
  const [kindName, name] = target?.split('/') ?? [];
  const kind = kindName && managedKindNamed(kindName);
  if (!kind || !name || positionals.length !== 1) throw new UsageError('name one resource as KIND/NAME, KIND a mooring kind (e.g. bucket/logs)');
  const seconds = Number(values.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout takes a number of seconds, got "${values.timeout}"`);
  const kc = await loadKubeConfig(values.kubeconfig);
  const namespace = values.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  const api = kc.makeApiClient(CustomObjectsApi);
  const at = { group: GROUP, version: VERSION, plural: kind.plural, namespace, name };
  const requested = new Date().toISOString();
  await api.patchNamespacedCustomObject({ ...at, body: { metadata: { annotations: { [REFRESH_REQUESTED_AT]: requested } } } }, MERGE);
  console.log(`${kind.kind} ${namespace}/${name}: refresh requested at ${requested}`);
  if (!values.wait) return 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const status = ((await api.getNamespacedCustomObject(at)) as { status?: Status }).status;
    if (status?.lastRefresh === requested) {
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      console.log(`handled: Ready=${ready?.status ?? 'Unknown'} ${ready?.reason ?? ''}${ready?.message ? `: ${ready.message}` : ''}`);
      return ready?.status === 'True' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error(`mooring refresh: the operator did not handle the request within ${values.timeout} s (is it running, and watching ${namespace}?)`);
  return 1;
}
