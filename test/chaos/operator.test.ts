import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('chaos operator process', () => {
  it('does not outlive a run stopped by a signal to the runner alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-op-'));
    try {
      const parent = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'parent.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      const pid = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      assert.ok(pid > 0 && alive(pid), 'the operator runs');
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      parent.kill('SIGTERM');
      await exited;
      for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(alive(pid), false, `mooring run (pid ${pid}) outlived the runner`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
