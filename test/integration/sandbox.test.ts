// The project's main job: `mooring sandbox --once` on its own stack brings every example Ready,
// prints the table, and leaves nothing running and no temp folder behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

/** Pids of processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('sandbox --once', () => {
  it('brings the examples Ready, prints the table, exits 0 and leaves nothing behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-sandbox-test-'));
    try {
      // A fixed emulator port: moto's command line names no folder, only its port.
      const awsPort = await freePort();
      const child = spawn(process.execPath, [MAIN, 'sandbox', '--once', '--timeout', '120', '--aws-port', String(awsPort)], {
        env: { ...process.env, MOORING_SANDBOX_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.equal(code, 0, out);
      assert.match(out, /^KIND\s+NAMESPACE\/NAME\s+READY\s+REASON\s+AGE$/m);
      const rows = out.split('\n').filter((l) => /^Bucket\s/.test(l));
      assert.ok(rows.length >= 2, `the example Buckets are listed:\n${out}`);
      for (const row of rows) assert.match(row, /\sTrue\s+Available\s/, row);
      assert.match(out, /^DNSRecord\s+team-a\/www-pdns\s+True\s+Available\s/m, 'the DNSRecord on PowerDNS (through the plugin) is Ready');
      assert.match(out, /A www\.powerdns\.test\.? resolves through pdns_server: \["192\.0\.2\.20"\]/, 'and answers over DNS');
      const stackDir = /stack up in [\d.]+ s \([^)]*\) in (\S+)/.exec(out)?.[1];
      assert.ok(stackDir, `the sandbox names its stack folder:\n${out}`);
      assert.equal(existsSync(stackDir), false, 'the stack folder is removed');
      assert.deepEqual(processesMentioning(stackDir), [], 'no etcd, kube-apiserver, postgres or pdns_server left running');
      assert.deepEqual(processesMentioning(`\0-p\0${awsPort}`), [], 'no moto left running');
      assert.equal(existsSync(join(dir, 'env')), false, 'the env file of a stopped sandbox is removed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
