// The launcher leaves nothing behind: no etcd, kube-apiserver, moto, postgres or pdns_server process
// and no temp folder, after a normal stop, after Ctrl-C (SIGINT) and after the launcher is SIGKILLed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import type { StackInfo } from '../../src/stack/index.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startChild(): Promise<{ child: ChildProcessWithoutNullStreams; info: StackInfo; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'support', 'stack-child.ts')], { stdio: 'pipe' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, info: JSON.parse(line) as StackInfo, exited };
  }
  throw new Error('the child exited before printing its stack');
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

function assertGone(info: StackInfo): void {
  assert.equal(info.pids.length, 5, 'etcd, kube-apiserver, moto, postgres and pdns_server were started');
  for (const pid of info.pids) assert.ok(!alive(pid), `process group ${pid} is gone`);
  assert.ok(!existsSync(info.dir), `temp folder ${info.dir} is removed`);
}

describe('stack launcher cleanup', () => {
  it('stops everything on a normal stop', async () => {
    const { child, info, exited } = await startChild();
    assert.ok(info.pids.every(alive), 'all servers run before the stop');
    child.stdin.write('stop\n');
    assert.equal(await exited, 0);
    assertGone(info);
  });

  it('stops everything on SIGINT', async () => {
    const { child, info, exited } = await startChild();
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assertGone(info);
  });

  it('the reaper stops everything when the launcher is killed with SIGKILL', async () => {
    const { child, info, exited } = await startChild();
    child.kill('SIGKILL');
    await exited;
    assert.ok(await eventually(() => info.pids.every((p) => !alive(p)) && !existsSync(info.dir), 15_000), 'reaped within 15 s');
    assertGone(info);
  });
});
