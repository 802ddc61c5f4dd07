// `mooring run --sharded` replicas as child processes of a test file (the real CLI, killable with
// SIGKILL), each logging JSON lines at debug level to a file in the stack's folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackInfo } from '../../src/stack/index.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface Replica { id: string; log: string; process: ChildProcess }

export interface ReplicaOptions {
  /** The namespace it watches; its membership Leases live there too. */
  namespace: string;
  /** Seconds; the renew deadline and retry period are set under it (3 s and 500 ms for 4 s). */
  leaseSeconds: number;
  /** Flags beside the sharding ones. */
  args?: string[];
}

export function startReplica(info: StackInfo, id: string, o: ReplicaOptions): Replica {
  const log = join(info.dir, `operator-${o.namespace}-${id}.log`);
  const child = spawn(process.execPath, [
    MAIN, 'run', '--kubeconfig', info.kube!.kubeconfig, '--namespace', o.namespace, '--log-level', 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default',
    '--sharded', '--identity', id, '--lease-namespace', o.namespace, '--lease-name', 'mooring-shards',
    '--lease-duration', `${o.leaseSeconds}s`, '--lease-renew-deadline', `${o.leaseSeconds - 1}s`, '--lease-retry-period', '500ms', ...(o.args ?? []),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  child.stderr.on('data', (chunk: Buffer) => appendFileSync(log, chunk));
  return { id, log, process: child };
}

/** Log lines as JSON, from line `from` on (a line cut short while written is skipped). */
export function lines(r: Replica, from = 0): Record<string, unknown>[] {
  if (!existsSync(r.log)) return [];
  return readFileSync(r.log, 'utf8').split('\n').slice(from).flatMap((l) => {
    try {
      return l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

export const lineCount = (r: Replica) => (existsSync(r.log) ? readFileSync(r.log, 'utf8').split('\n').length - 1 : 0);

/** The shard members the replica saw last. */
export const membersSeenBy = (r: Replica) => (lines(r).filter((l) => l.msg === 'shard members changed').at(-1)?.members as string[] | undefined) ?? [];
