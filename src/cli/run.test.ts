import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { usage } from '../runtime/config.ts';

const MAIN = join(import.meta.dirname, 'main.ts');
const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'run', ...args], { encoding: 'utf8', env: { ...process.env, MOORING_LOG_LEVEL: '' } });

describe('mooring run', () => {
  it('docs/operator.md lists every option with its flag and environment variable', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operator.md'), 'utf8');
    const options = [...usage().matchAll(/^ {2}(--[a-z-]+)\s.*\n\s+env (MOORING_[A-Z_]+)/gm)].map((m) => [m[1]!, m[2]!]);
    assert.ok(options.length > 10, 'usage() lists the options');
    const rows = [...doc.matchAll(/^\| `(--[a-z-]+)` \| `(MOORING_[A-Z_]+)` \|/gm)].map((m) => [m[1]!, m[2]!]);
    assert.deepEqual(rows, options);
  });

  it('refuses a bad value naming the flag and the variable, exit 2', () => {
    const r = run('--concurrency', '0', '--kubeconfig', '/nonexistent');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--concurrency \(MOORING_CONCURRENCY\)/);
  });

  it('refuses a provider plugin at start-up naming it and the fix, exit 3, before connecting anywhere', () => {
    const r = run('--providers', './no-such-plugin', '--kubeconfig', '/nonexistent');
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /^mooring run: provider plugin \.\/no-such-plugin: .* does not exist; give the plugin's folder or entry file/);
  });

  it('prints its options for --help', () => {
    const r = run('--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--resync-period/);
  });
});
