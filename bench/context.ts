// What every bench scenario gets: the stack, a namespace with a ProviderConfig on the counting
// proxy, and the table it adds its rows to.
import type { KubeConfig } from '@kubernetes/client-node';
import type { FaultProxyClient } from '../src/stack/faultproxy.ts';
import type { StackInfo } from '../src/stack/index.ts';

export interface Verdict {
  text: string;
  met: boolean;
}

export interface Bench {
  info: StackInfo;
  kc: KubeConfig;
  ns: string;
  /** The ProviderConfig every resource uses: the emulator behind the counting proxy. */
  pc: string;
  proxy: FaultProxyClient;
  /** Scratch space (manifests) inside the stack's run directory. */
  dir: string;
  /** Operator flags shared by every scenario (concurrency). */
  operatorArgs: string[];
  /** Node flags the operator runs with (the heap settings the image uses). */
  nodeArgs: string[];
  /** A row of the table; `goal` (goals.ts' against()) prints the figure's goal beside it. */
  row(what: string, value: string, note?: string, goal?: Verdict): void;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
