// The operator for an integration test file, in this process, watching only the file's namespace
// (test files run side by side on one apiserver; each must act only on its own objects). Its log
// goes to a file in the stack's folder, named in a failing test's output.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { builtinProviders } from '../../src/operator/builtin.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import type { StackInfo } from '../../src/stack/index.ts';
import { kubeConfig } from './kube.ts';

export interface RunningOperator {
  manager: Manager;
  logFile: string;
  stop(): Promise<void>;
}

export interface TestOperatorOptions {
  namespace: string;
  /** Drift checks every this many seconds (default 300, the operator's own default). */
  resyncSeconds?: number;
  /** First failure backoff (default 5 s). */
  backoffBaseMs?: number;
}

export async function startOperator(info: StackInfo, options: TestOperatorOptions): Promise<RunningOperator> {
  const logFile = join(info.dir, `operator-${options.namespace}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const log = createLogger({ level: 'debug', destination: out });
  const manager = new Manager({
    kc: kubeConfig(info),
    log,
    providers: builtinProviders(),
    config: {
      namespace: options.namespace,
      concurrency: 8,
      resyncPeriodMs: (options.resyncSeconds ?? 300) * 1000,
      resyncJitter: 0.1,
      backoffBaseMs: options.backoffBaseMs ?? 5_000,
      backoffMaxMs: 300_000,
    },
  });
  await manager.start();
  return {
    manager,
    logFile,
    stop: async () => {
      await manager.stop();
      await new Promise((resolve) => out.end(resolve));
    },
  };
}
