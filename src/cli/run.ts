// `mooring run`: the operator itself. Configuration from flags and MOORING_* variables; SIGTERM
// or SIGINT stops watching and waits for in-flight reconciles before exiting.
import { KubeClient } from '../kube/client.ts';
import { KubeconfigError, loadConnection } from '../kube/config.ts';
import { builtinProviders } from '../operator/builtin.ts';
import { startHttp } from '../http/http.ts';
import { kubeLease, LeaderElector } from '../cluster/leader.ts';
import { Manager } from '../operator/manager.ts';
import { EXIT_PLUGIN_REFUSED, PluginError, loadProviders } from '../operator/plugins.ts';
import type { ProviderRegistration } from '../operator/providers.ts';
import { kubeMembership, Membership, shareOf } from '../cluster/shards.ts';
import { THROTTLED_ANNOTATION, ThrottleSignal } from '../cluster/throttle-signal.ts';
import { OperatorMetrics } from '../http/metrics.ts';
import { ConfigError, loadConfig, usage, type Config } from '../runtime/config.ts';
import { createLogger, type Logger } from '../runtime/logger.ts';

export const RUN_HELP = `usage: mooring run [options]

Runs the operator against the cluster of --kubeconfig (else $KUBECONFIG, else the in-cluster
service account, else ~/.kube/config).

options (flag, environment variable, default):
${usage()}

exit codes: 0 stopped by SIGTERM or SIGINT, 1 failure, 2 a bad option, 3 a provider plugin refused.`;

export async function run(argv: string[]): Promise<number> {
  const prepared = await prepare(argv);
  if (typeof prepared === 'number') return prepared;
  const { config, providers, kube } = prepared;
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const metrics = new OperatorMetrics();
  const manager = new Manager({ kube, config, providers, log, metrics, keyNamespace: config.leaseNamespace });
  const elector = config.leaderElect ? leaderElector(kube, config, log, manager) : undefined;
  const shards = config.sharded ? membership(kube, config, log, manager) : undefined;
  // A sharded replica reconciles nothing until it is a member of its own ring.
  if (shards) manager.reshard(() => false);
  let http;
  try {
    const notReady = () => manager.notReady() ?? (elector && elector.leader === undefined ? 'leadership not known yet' : undefined);
    http = await startHttp({ bindAddress: config.bindAddress, registry: metrics.registry, notReady, log });
  } catch (err) {
    console.error(`mooring run: cannot serve /metrics, /healthz and /readyz on ${config.bindAddress} (--bind-address, MOORING_BIND_ADDRESS): ${(err as Error).message}`);
    return 1;
  }
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ server: kube.server, namespaces: config.namespaces ?? '(all)', http: http.url, providers: providers.map((p) => p.type) }, 'mooring starting');
  // Not awaited: a signal must stop the operator even while its caches are still syncing.
  const started = elector
    ? manager.warm().then((warm) => (warm ? elector.run() : undefined))
    : manager.start().then(() => shards?.run());
  const signal = await stopped;
  log.info({ signal }, 'stopping: finishing in-flight reconciles');
  await manager.stop();
  await elector?.stop();
  await shards?.stop();
  await started;
  await http.close();
  kube.close();
  log.info('stopped');
  return 0;
}

/** The options, the providers and the apiserver connection; or, when one is refused, the exit code. */
async function prepare(argv: string[]): Promise<{ config: Config; providers: ProviderRegistration[]; kube: KubeClient } | number> {
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`mooring run: ${err.message}\n\nRun \`mooring run --help\` for the options.`);
    return 2;
  }
  // Before any connection: a plugin that does not fit stops the operator here, not mid-reconcile.
  let providers;
  try {
    providers = await loadProviders(config.providers ?? [], builtinProviders());
  } catch (err) {
    if (!(err instanceof PluginError)) throw err;
    console.error(`mooring run: ${err.message}`);
    return EXIT_PLUGIN_REFUSED;
  }
  try {
    return { config, providers, kube: new KubeClient(await loadConnection({ kubeconfig: config.kubeconfig })) };
  } catch (err) {
    if (!(err instanceof KubeconfigError)) throw err;
    console.error(`mooring run: ${err.message.split('\n')[0]}\n\nRun \`mooring run --help\` for the options.`);
    return 2;
  }
}

/**
 * The elector for --leader-elect: this replica reconciles only while it holds the Lease. Losing
 * it means another replica may act any moment now, so the process stops reconciling at once and
 * exits (the orchestrator restarts it as a standby) rather than finish work it no longer owns.
 */
/** Losing the Lease means another replica may act any moment: stop at once and exit. */
function fence(config: Config, manager: Manager): void {
  // Whatever is in flight gets what is left of the lease duration, then the process goes.
  const grace = Math.max(0, config.leaseDurationMs - config.leaseRenewDeadlineMs - 1000);
  setTimeout(() => process.exit(1), grace).unref();
  void manager.stop().finally(() => process.exit(1));
}

/**
 * --sharded: this replica reconciles its share of the objects, by its membership in the group, and
 * takes its share of every account's budget (src/limits): a smaller share at once, a larger one
 * once every member has had time to see the same ring (two retry periods) and shrink its own.
 * Throttles travel between members on their Leases (throttle-signal.ts).
 */
function membership(kube: KubeClient, config: Config, log: Logger, manager: Manager): Membership {
  const growAfterMs = 2 * config.leaseRetryPeriodMs;
  // Reported for a few renewals, so every member lists it at least once.
  const signal = new ThrottleSignal(manager.limits, 3 * config.leaseRetryPeriodMs + 1000);
  const annotations = () => ({ [THROTTLED_ANNOTATION]: signal.annotation() });
  const shards: Membership = new Membership({
    api: kubeMembership(kube, config.leaseNamespace, config.leaseName, config.identity, Math.ceil(config.leaseDurationMs / 1000), annotations),
    identity: config.identity,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.leaseRenewDeadlineMs,
    retryPeriodMs: config.leaseRetryPeriodMs,
    log,
    onChange: (members) => {
      // Empty: stopping or cut off, reconciling nothing; the share stays as it was.
      if (members.length) {
        const share = shareOf(members, config.identity);
        log.info({ share }, 'account budgets shared');
        manager.limits.reshare(share, growAfterMs);
      }
      manager.reshard((key) => shards.owns(key));
    },
    onLost: () => fence(config, manager),
    heard: (member) => signal.heardFrom(member.identity, member.annotations?.[THROTTLED_ANNOTATION]),
  });
  return shards;
}

function leaderElector(kube: KubeClient, config: Config, log: Logger, manager: Manager): LeaderElector {
  return new LeaderElector({
    lease: kubeLease(kube, config.leaseNamespace, config.leaseName),
    identity: config.identity,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.leaseRenewDeadlineMs,
    retryPeriodMs: config.leaseRetryPeriodMs,
    log,
    onNewLeader: (leader) => log.info({ leader }, 'leader observed'),
    onStartedLeading: () => manager.lead(),
    onStoppedLeading: () => fence(config, manager),
  });
}
