// Issue 8's memory goal rests on `mooring run` never loading @kubernetes/client-node (about
// 85 MiB resident) unless its kubeconfig needs an exec or auth-provider plugin. The operator runs
// here for real against a scripted apiserver on loopback (empty lists, idle watches) until its
// caches sync, with a preload that records every module loaded (test/support/module-log.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundle } from '../build/bundle.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLIENT_NODE = /\/node_modules\/@kubernetes\/client-node\//;

const dir = mkdtempSync(join(tmpdir(), 'mooring-run-modules-'));
const authorizations = new Set<string>();
const watches: ServerResponse[] = [];
const apiserver = createServer((req, res) => {
  authorizations.add(req.headers.authorization ?? '');
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.searchParams.get('watch') === 'true') {
    res.writeHead(200, { 'content-type': 'application/json' });
    watches.push(res); // held open, quiet, until the test ends
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
});
let server = '';

before(async () => {
  await new Promise<void>((resolve) => apiserver.listen(0, '127.0.0.1', resolve));
  server = `http://127.0.0.1:${(apiserver.address() as AddressInfo).port}`;
});
after(() => {
  for (const w of watches) w.destroy();
  apiserver.closeAllConnections();
  apiserver.close();
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfig(name: string, user: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({
    'current-context': 'c',
    // client-node, which exec users go through, refuses plain http unless told to skip TLS checks.
    clusters: [{ name: 'k', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  }));
  return file;
}

/** Runs `mooring run` until its caches synced, stops it with SIGTERM; the modules it loaded. */
async function modulesOfRun(kubeconfigFile: string, main = join(ROOT, 'src', 'cli', 'main.ts')): Promise<string[]> {
  const log = join(dir, `modules-${Math.random()}`);
  const child = spawn(process.execPath, ['--import', join(ROOT, 'test', 'support', 'module-log.ts'), main, 'run', '--kubeconfig', kubeconfigFile, '--bind-address', '127.0.0.1:0'], {
    env: { ...process.env, MOORING_MODULE_LOG: log, MOORING_LOG_FORMAT: 'json', MOORING_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const synced = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      if (output.includes('caches synced; reconciling')) resolve();
    });
    void exited.then(() => reject(new Error(`mooring run exited before its caches synced:\n${output}`)));
    // A guard against hanging, not a speed goal: syncing against this server takes about a second.
    setTimeout(() => reject(new Error(`mooring run did not sync its caches in 60 s:\n${output}`)), 60_000).unref();
  });
  try {
    await synced;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  return readFileSync(log, 'utf8').split('\n');
}

describe('mooring run', () => {
  it('syncs its caches without loading @kubernetes/client-node (token user)', async () => {
    const modules = await modulesOfRun(kubeconfig('token', { token: 'plain' }));
    assert.ok(modules.some((m) => m.endsWith('/src/kube/client.ts')), 'the module log records the operator\'s own modules');
    assert.deepEqual(modules.filter((m) => CLIENT_NODE.test(m)), []);
    // Node's bundled undici (node:http's lazy WebSocket export loads it; src/runtime/node-http.ts).
    assert.ok(modules.some((m) => m.startsWith('node:internal/deps/')), 'the module log records Node\'s internal dependencies');
    assert.deepEqual(modules.filter((m) => m.includes('internal/deps/undici')), []);
    // Nor child_process (3 MiB resident), which only the stack's machine checks use (issue 20).
    assert.ok(modules.includes('node:fs'), 'the module log records the builtins imported');
    assert.deepEqual(modules.filter((m) => m === 'node:child_process'), []);
    assert.ok(authorizations.has('Bearer plain'));
  });

  it('bundled as the image runs it, loads none of them either', async () => {
    const { main } = await bundle(join(dir, 'dist'));
    const modules = await modulesOfRun(kubeconfig('bundle', { token: 'bundled' }), main);
    assert.ok(modules.some((m) => m.endsWith('/dist/mooring.mjs')) && !modules.some((m) => m.endsWith('.ts')), 'the bundle ran, no source file');
    assert.deepEqual(modules.filter((m) => CLIENT_NODE.test(m) || m.includes('internal/deps/undici') || m === 'node:child_process'), []);
    // Nor Web Crypto: node:crypto's ESM namespace reads its lazy webcrypto export (src/build/bundle.ts).
    assert.deepEqual(modules.filter((m) => m.includes('internal/crypto/webcrypto')), []);
    assert.ok(authorizations.has('Bearer bundled'));
  });

  it('loads it for a kubeconfig user with an exec plugin, whose token it then sends', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } };
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `console.log(${JSON.stringify(JSON.stringify(credential))})`], interactiveMode: 'Never' };
    const modules = await modulesOfRun(kubeconfig('exec', { exec }));
    assert.ok(modules.some((m) => CLIENT_NODE.test(m)), 'client-node is loaded for exec');
    assert.ok(authorizations.has('Bearer from-exec'));
  });
});
