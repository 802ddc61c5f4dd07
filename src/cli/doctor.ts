// `mooring doctor`: checks a cluster and its ProviderConfigs the way the operator would meet them,
// and says what to fix. Read-only: it writes nothing to the cluster or to any cloud.
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { checkCrds } from '../doctor/crds.ts';
import { checkProviderConfigs } from '../doctor/providers.ts';
import { checkRbac } from '../doctor/rbac.ts';
import { fail, formatReport, ok, type Finding } from '../doctor/report.ts';
import { builtinProviders } from '../operator/builtin.ts';
import { EXIT_PLUGIN_REFUSED, PluginError, loadProviders } from '../operator/plugins.ts';
import { loadKubeConfig } from './kube.ts';
import { UsageError } from './usage.ts';
import { DEFAULTS } from '../runtime/config.ts';

export const DOCTOR_HELP = `usage: mooring doctor [options]

Checks that mooring can work in the cluster of a kubeconfig, and says what to fix:
  apiserver        reachable with these credentials
  crds             every CRD installed and the same as this version's crds/
  rbac             the identity may do everything the operator does (one access review per
                   verb and resource of src/operator/permissions.ts)
  providerconfig/  for each ProviderConfig: it parses, its credentials Secret exists and holds
                   what the provider needs, and a read-only call with those credentials answers
                   (aws: STS GetCallerIdentity at its endpoint; postgres: SELECT 1 as the
                   admin role; powerdns: the server's description)

options:
  --kubeconfig FILE            default: $KUBECONFIG, the in-cluster service account, or ~/.kube/config
  --context NAME               a context of the kubeconfig other than its current one
  --service-account NS/NAME    check RBAC for this ServiceAccount (e.g. mooring-system/mooring)
                               instead of the kubeconfig's own identity
  --lease-namespace NAME       where the operator keeps its Leases and key Secret (default ${DEFAULTS.leaseNamespace})
  --namespace LIST             the namespaces the operator watches, as mooring run --namespace takes
                               them (default: all), so RBAC is checked in each of them
  --credentials-namespaces LIST  where credentials Secrets live, as mooring run takes them
                               (default: the lease namespace)
  --provider-config NAME       check only this ProviderConfig (repeatable); default: all
  --providers LIST             provider plugins to load, as mooring run takes them (default
                               $MOORING_PROVIDERS), so ProviderConfigs of their types are checked

Exit codes: 0 every check passed, 1 a check failed (each failure says what to do), 2 bad usage,
3 a provider plugin refused (the message names it and the fix).`;

interface DoctorOptions {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  serviceAccount?: string | undefined;
  leaseNamespace: string;
  watchNamespaces: string[];
  credentialsNamespaces: string[] | undefined;
  providerConfigs: string[];
  /** Plugins, comma-separated as `mooring run --providers` takes them. */
  providers: string[];
}

function parse(argv: string[]): DoctorOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'service-account': { type: 'string' },
      'lease-namespace': { type: 'string', default: DEFAULTS.leaseNamespace },
      namespace: { type: 'string', multiple: true, default: [] },
      'credentials-namespaces': { type: 'string', multiple: true, default: [] },
      'provider-config': { type: 'string', multiple: true, default: [] },
      providers: { type: 'string', default: process.env.MOORING_PROVIDERS ?? '' },
    },
  });
  const serviceAccount = values['service-account'];
  if (serviceAccount !== undefined && !/^[a-z0-9-]+\/[a-z0-9.-]+$/.test(serviceAccount)) {
    throw new UsageError(`--service-account takes NAMESPACE/NAME, got "${serviceAccount}"`);
  }
  const providers = values.providers.split(',').map((p) => p.trim()).filter(Boolean);
  const names = (flag: string, given: string[]) => {
    const list = [...new Set(given.flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean))];
    const bad = list.find((n) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n));
    if (bad) throw new UsageError(`--${flag} takes namespace names separated by commas, got "${bad}"`);
    return list;
  };
  const credentials = names('credentials-namespaces', values['credentials-namespaces']);
  return {
    kubeconfig: values.kubeconfig, context: values.context, serviceAccount, leaseNamespace: values['lease-namespace'],
    watchNamespaces: names('namespace', values.namespace),
    credentialsNamespaces: credentials.length ? credentials : undefined,
    providerConfigs: values['provider-config'], providers,
  };
}

async function checkApiserver(kc: KubeConfig): Promise<Finding> {
  const server = kc.getCurrentCluster()?.server ?? '(no server in the kubeconfig)';
  try {
    const version = await kc.makeApiClient(VersionApi).getCode();
    return ok('apiserver', `${server} answers (Kubernetes ${version.gitVersion})`);
  } catch (err) {
    return fail('apiserver', `${server}: ${(err as Error).message.split('\n')[0]}`, 'check --kubeconfig and --context, that the cluster is up, and that the credentials in the kubeconfig are current');
  }
}

/** A check that broke (not one that found a fault) becomes a failure naming what broke. */
async function guarded(check: string, run: () => Promise<Finding | Finding[]>): Promise<Finding[]> {
  try {
    return [await run()].flat();
  } catch (err) {
    const code = (err as { code?: number }).code;
    const fix = code === 403 ? 'the kubeconfig\'s identity may not read this; run doctor with an identity that may (or read the message)' : 'read the message; rerun doctor when it is fixed';
    return [fail(check, `could not check: ${(err as Error).message.split('\n')[0]}`, fix)];
  }
}

export async function doctor(argv: string[]): Promise<number> {
  const options = parse(argv);
  let providers;
  try {
    providers = await loadProviders(options.providers, builtinProviders());
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    console.error(`mooring doctor: ${err.message}`);
    return EXIT_PLUGIN_REFUSED;
  }
  const kc = await loadKubeConfig(options.kubeconfig, options.context);
  console.log(`mooring doctor: context ${kc.getCurrentContext()}`);
  const findings = [await checkApiserver(kc)];
  if (findings[0]!.ok) {
    findings.push(...(await guarded('crds', () => checkCrds(kc))));
    findings.push(...(await guarded('rbac', () => checkRbac(kc, options))));
    findings.push(...(await guarded('providerconfigs', () => checkProviderConfigs(kc, providers, options.providerConfigs))));
  }
  console.log(formatReport(findings));
  return findings.every((f) => f.ok) ? 0 : 1;
}
