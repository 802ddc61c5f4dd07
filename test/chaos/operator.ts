// The operator under test: a real `mooring run` process, killed with SIGKILL and started again at
// random moments. Every incarnation appends to one log file, which the secret scan reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface OperatorOptions {
  kubeconfig: string;
  namespace: string;
  logFile: string;
  /** Short, so drift put in by the chaos is found within the run (default 5 s). */
  resyncPeriod?: string;
  /** Short, so faults cost seconds, not minutes, once they stop (defaults 500ms and 10s). */
  backoffBase?: string;
  backoffMax?: string;
  /** Default debug: the secret scan reads every line. */
  logLevel?: string;
}

/** Live operator processes: none may outlive the run, however it ends (Ctrl-C, a kill, a crash). */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class OperatorProcess {
  private readonly options: OperatorOptions;
  private readonly log: WriteStream;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  starts = 0;

  constructor(options: OperatorOptions) {
    this.options = options;
    this.log = createWriteStream(options.logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child) return;
    const o = this.options;
    const child = spawn(process.execPath, [
      MAIN, 'run', '--kubeconfig', o.kubeconfig, '--namespace', o.namespace, '--lease-namespace', o.namespace, '--log-level', o.logLevel ?? 'debug', '--bind-address', '127.0.0.1:0', '--credentials-namespaces', 'default',
      '--resync-period', o.resyncPeriod ?? '5s', '--backoff-base', o.backoffBase ?? '500ms', '--backoff-max', o.backoffMax ?? '10s',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    live.add(child);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve(void live.delete(child))));
    this.child = child;
    this.starts++;
  }

  /** SIGKILL: no chance to finish anything, as a node failure or an OOM kill would do. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait (the run's end). */
  async stop(): Promise<void> {
    const child = this.child;
    if (child) {
      this.child = undefined;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise((resolve) => this.log.end(resolve));
  }
}
