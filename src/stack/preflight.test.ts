import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkDisk, checkGo, checkPdns, checkPortFree, checkPostgres, checkPython, compareVersions, EnvironmentError } from './preflight.ts';

/** Runs `fn` with PATH set to a folder holding only the given fake commands. */
function withPath(commands: Record<string, string>, fn: () => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-path-'));
  for (const [name, script] of Object.entries(commands)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    fn();
  } finally {
    process.env.PATH = saved;
  }
}

const fails = (fn: () => void, what: RegExp, fix: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof EnvironmentError && what.test(err.what) && fix.test(err.fix));

describe('preflight', () => {
  it('compares versions numerically', () => {
    assert.ok(compareVersions('1.26.8', '1.26.0') > 0);
    assert.ok(compareVersions('1.9', '1.26') < 0);
    assert.equal(compareVersions('1.26', '1.26.0'), 0);
  });

  it('names a missing Go and how to get it', () => withPath({}, () => fails(() => checkGo('1.26.0'), /Go is not on PATH/, /install Go 1\.26\.0/)));
  it('names a Go that is too old', () => withPath({ go: 'echo "go version go1.22.1 linux/amd64"' }, () => fails(() => checkGo('1.26.0'), /Go 1\.22\.1 is too old/, /1\.26\.0/)));
  it('accepts a new enough Go', () => withPath({ go: 'echo "go version go1.26.8 linux/amd64"' }, () => checkGo('1.26.0')));
  it('names a missing python3', () => withPath({}, () => fails(() => checkPython(), /python3 is not on PATH/, /python3-venv/)));
  it('names a python3 without venv', () =>
    withPath({ python3: 'case "$1" in --version) echo "Python 3.11.2";; *) exit 1;; esac' }, () => fails(() => checkPython(), /no venv/, /python3-venv/)));
  it('names missing PostgreSQL binaries', () => fails(() => checkPostgres('/nonexistent/bin'), /PostgreSQL server binaries are missing/, /apt-get install -y postgresql-15/));
  it('names a missing PowerDNS or sqlite3 backend', () =>
    fails(() => checkPdns('/usr/sbin/pdns_server', '/nonexistent/schema.sqlite3.sql'), /PowerDNS .* missing \(\/nonexistent\/schema/, /apt-get install -y pdns-server pdns-backend-sqlite3/));
  it('names a full disk', () => fails(() => checkDisk(tmpdir(), Number.MAX_SAFE_INTEGER, 'building kube-apiserver'), /free under .*building kube-apiserver/, /MOORING_CACHE/));

  it('names a taken port and the flag to choose another', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      await assert.rejects(checkPortFree(port, '--aws-port'), (err: unknown) => err instanceof EnvironmentError && err.what.includes(String(port)) && err.fix.includes('--aws-port'));
    } finally {
      server.close();
    }
  });
});
