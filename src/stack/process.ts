// Long-running servers of the stack: each started in its own process group (so a Ctrl-C meant
// for the launcher does not kill them before it can stop them in order), its output kept in a
// log file, its readiness awaited, its end noticed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ServerOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class Server {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exitPromise: Promise<void>;

  constructor(options: ServerOptions) {
    this.name = options.name;
    this.logFile = options.logFile;
    const fd = openSync(options.logFile, 'a');
    this.child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.exitPromise = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
      this.child.once('error', (err) => {
        this.exited = { code: null, signal: null };
        console.error(`[stack] ${this.name} could not start: ${err.message}`);
        resolve();
      });
    });
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  /** The last lines of the server's log, for error messages. */
  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Polls `probe` until it returns true; fails early when the server exits, or on timeout. */
  async waitReady(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.name} exited during start-up (${describeExit(this.exited)}):\n${this.tail()}\n${portHint(this.tail())}`);
      if (await probe().catch(() => false)) return;
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs / 1000} s; its log ends:\n${this.tail()}`);
  }

  /** TERM to the whole process group, KILL after the grace period; resolves once it is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited || this.child.pid === undefined) return;
    signalGroup(this.child.pid, 'SIGTERM');
    const timer = sleep(graceMs).then(() => 'timeout' as const);
    if ((await Promise.race([this.exitPromise.then(() => 'exited' as const), timer])) === 'timeout') {
      signalGroup(this.child.pid, 'SIGKILL');
      await this.exitPromise;
    }
    // The leader may exit before its children (postgres under runuser): finish the group off.
    signalGroup(this.child.pid, 'SIGKILL');
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

function portHint(log: string): string {
  return /address already in use/i.test(log)
    ? 'A port it needed was taken by another process in the meantime; start again (free ports are chosen anew).'
    : '';
}
