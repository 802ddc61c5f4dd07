// The operator for an integration test file, in this process, watching only the file's namespace
// (test files run side by side on one apiserver; each must act only on its own objects). Its log
// goes to a file in the stack's folder, named in a failing test's output.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../src/kube/client.ts';
import { kubeconfigConnection } from '../../src/kube/config.ts';
import { builtinProviders } from '../../src/operator/builtin.ts';
import { startHttp } from '../../src/http/http.ts';
import { Manager } from '../../src/operator/manager.ts';
import type { ProviderRegistration } from '../../src/operator/providers.ts';
import { OperatorMetrics } from '../../src/http/metrics.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import type { StackInfo } from '../../src/stack/index.ts';

export interface RunningOperator {
  manager: Manager;
  logFile: string;
  /** Where /metrics, /healthz and /readyz are served (a free loopback port). */
  httpUrl: string;
  /** Resolves once the caches synced and reconciling began (already, unless `awaitStart: false`). */
  started: Promise<void>;
  stop(): Promise<void>;
}

export interface TestOperatorOptions {
  namespace: string;
  /** Further namespaces watched beside `namespace`. */
  alsoWatch?: string[];
  /** Where the operator's key Secret lives (read or made at start); unset: a key of this operator only. */
  keyNamespace?: string;
  /** Drift checks every this many seconds (default 300, the operator's own default). */
  resyncSeconds?: number;
  /** First failure backoff (default 5 s). */
  backoffBaseMs?: number;
  /** Default the built-in providers (a test may swap one for a variant). */
  providers?: ProviderRegistration[];
  /** Providers beside the built-in ones, as plugins would add them (e.g. providers/powerdns). */
  plugins?: ProviderRegistration[];
  /** --credentials-namespaces (default `default`, where test/support puts credentials Secrets). */
  credentialsNamespaces?: string[];
  /** Reconciles at once (default 8). */
  concurrency?: number;
  /** --call-timeout and --shutdown-grace (default the operator's: 60 s, 30 s). */
  callTimeoutMs?: number;
  shutdownGraceMs?: number;
  /** ProviderConfigs whose status this operator writes (default none: it watches one namespace). */
  configStatusFor?: string[];
  /** --provider-config-check-interval (default the operator's: 10 minutes). */
  providerConfigCheckMs?: number;
  /** --min-reconcile-interval (default the operator's: 60 s). */
  minReconcileIntervalMs?: number;
  /** --max-referenced-configmap-watches (default the operator's: 20). */
  maxReferencedConfigMapWatches?: number;
  /** --user-wait-poll (default the operator's: 30 s). */
  userWaitPollMs?: number;
  /** Default true: return once the caches synced. False: return at once (a test of the start itself). */
  awaitStart?: boolean;
}

export async function startOperator(info: StackInfo, options: TestOperatorOptions): Promise<RunningOperator> {
  const logFile = join(info.dir, `operator-${options.namespace}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const log = createLogger({ level: 'debug', destination: out });
  const metrics = new OperatorMetrics();
  // The operator's own client on the stack's kubeconfig, as `mooring run --kubeconfig` makes it.
  const kube = new KubeClient(await kubeconfigConnection([info.kube!.kubeconfig]));
  const manager = new Manager({
    kube,
    log,
    ...(options.keyNamespace ? { keyNamespace: options.keyNamespace } : {}),
    metrics,
    ...(options.configStatusFor ? { writesConfigStatus: (pc: string) => options.configStatusFor!.includes(pc) } : {}),
    providers: [...(options.providers ?? builtinProviders()), ...(options.plugins ?? [])],
    config: {
      namespaces: [options.namespace, ...(options.alsoWatch ?? [])],
      concurrency: options.concurrency ?? 8,
      resyncPeriodMs: (options.resyncSeconds ?? 300) * 1000,
      resyncJitter: 0.1,
      backoffBaseMs: options.backoffBaseMs ?? 5_000,
      backoffMaxMs: 300_000,
      credentialsNamespaces: options.credentialsNamespaces ?? ['default'],
      ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
      ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
      ...(options.providerConfigCheckMs === undefined ? {} : { providerConfigCheckMs: options.providerConfigCheckMs }),
      ...(options.minReconcileIntervalMs === undefined ? {} : { minReconcileIntervalMs: options.minReconcileIntervalMs }),
      ...(options.maxReferencedConfigMapWatches === undefined ? {} : { maxReferencedConfigMapWatches: options.maxReferencedConfigMapWatches }),
      ...(options.userWaitPollMs === undefined ? {} : { userWaitPollMs: options.userWaitPollMs }),
    },
  });
  const http = await startHttp({ bindAddress: '127.0.0.1:0', registry: metrics.registry, notReady: () => manager.notReady(), log });
  const started = manager.start();
  if (options.awaitStart !== false) await started;
  return {
    manager,
    logFile,
    httpUrl: http.url,
    started,
    stop: async () => {
      await manager.stop();
      await http.close();
      kube.close();
      await new Promise((resolve) => out.end(resolve));
    },
  };
}
