// The stack for a test file: the one the test runner started (shared by every file of the run),
// or, when a file is run on its own, a stack of its own for the file's lifetime.
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import { startStack, stackInfo, type Component, type StackInfo } from '../../src/stack/index.ts';

export const STACK_ENV = 'MOORING_TEST_STACK';

/** Environment the runner sets for test processes, so adapters' own tests find the stack too. */
export function stackEnv(info: StackInfo, file: string): Record<string, string> {
  const env: Record<string, string> = { [STACK_ENV]: file };
  if (info.aws) env.MOORING_TEST_AWS_ENDPOINT = info.aws.endpoint;
  if (info.kube) env.MOORING_TEST_KUBECONFIG = info.kube.kubeconfig;
  if (info.postgres) env.MOORING_TEST_PG_URL = info.postgres.url;
  return env;
}

export interface StackGetter {
  /** The stack; throws when read before it started (at import time). */
  (): StackInfo;
  /** Resolves once the stack is up: await it in a file's own `before` hooks. */
  ready(): Promise<StackInfo>;
}

/**
 * Registers before/after hooks and returns a getter for the stack: call it at the top of a test
 * file, read it inside tests. Node runs a file's top-level `before` hooks concurrently, so a
 * file's own setup hook must `await stack.ready()` rather than read the getter.
 */
export function useStack(components?: Component[], options: { own?: boolean } = {}): StackGetter {
  let info: StackInfo | undefined;
  let stop: (() => Promise<void>) | undefined;
  let starting: Promise<StackInfo> | undefined;
  const ready = (): Promise<StackInfo> =>
    (starting ??= (async () => {
      // `own`: a file that changes what every file shares (deletes the CRDs) gets a stack of its own.
      const shared = options.own ? undefined : process.env[STACK_ENV];
      if (shared) return (info = JSON.parse(readFileSync(shared, 'utf8')) as StackInfo);
      const stack = await startStack(components ? { components } : {});
      stop = stack.stop;
      return (info = stackInfo(stack));
    })());
  before(ready);
  after(async () => {
    await stop?.();
  });
  const getter = () => {
    if (!info) throw new Error('the stack is not started yet: read it inside a test, or await stack.ready() in a hook');
    return info;
  };
  return Object.assign(getter, { ready });
}
