// `mooring run`: the operator itself. Configuration from flags and MOORING_* variables; SIGTERM
// or SIGINT stops watching and waits for in-flight reconciles before exiting.
import { KubeConfig } from '@kubernetes/client-node';
import { builtinProviders } from '../operator/builtin.ts';
import { startHttp } from '../operator/http.ts';
import { Manager } from '../operator/manager.ts';
import { OperatorMetrics } from '../operator/metrics.ts';
import { ConfigError, loadConfig, usage } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

export const RUN_HELP = `usage: mooring run [options]

Runs the operator against the cluster of --kubeconfig (or the in-cluster service account).

options (flag, environment variable, default):
${usage()}`;

export async function run(argv: string[]): Promise<number> {
  let config;
  try {
    config = loadConfig(argv);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`mooring run: ${err.message}\n\nRun \`mooring run --help\` for the options.`);
    return 2;
  }
  if (config.leaderElect) {
    // Two replicas both believing they lead would fight over every object: refuse, do not ignore.
    console.error('mooring run: --leader-elect is not available yet; run a single replica without it');
    return 2;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  const metrics = new OperatorMetrics();
  const manager = new Manager({ kc, config, providers: builtinProviders(), log, metrics });
  let http;
  try {
    http = await startHttp({ bindAddress: config.bindAddress, registry: metrics.registry, notReady: () => manager.notReady(), log });
  } catch (err) {
    console.error(`mooring run: cannot serve /metrics, /healthz and /readyz on ${config.bindAddress} (--bind-address, MOORING_BIND_ADDRESS): ${(err as Error).message}`);
    return 1;
  }
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ server: kc.getCurrentCluster()?.server, namespace: config.namespace ?? '(all)', http: http.url }, 'mooring starting');
  // Not awaited: a signal must stop the operator even while its caches are still syncing.
  const started = manager.start();
  const signal = await stopped;
  log.info({ signal }, 'stopping: finishing in-flight reconciles');
  await manager.stop();
  await started;
  await http.close();
  log.info('stopped');
  return 0;
}
